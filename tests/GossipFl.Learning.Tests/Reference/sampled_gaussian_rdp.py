"""Independent Renyi DP of the sampled Gaussian mechanism, by numerical integration.

Reads a JSON list of cases on stdin, each {"q", "sigma", "steps", "delta", "orders"}; writes a JSON list with, per case,
the RDP of one step at each order ("rdp") and epsilon after "steps" compositions under the classic conversion
(Mironov 2017, Prop. 3) and the tight one (Balle et al. 2020, Thm. 21). Nothing here shares code with the C#
accountant: A_alpha = E_{z~N(0,s^2)}[((1-q) + q*N(1,s^2)(z)/N(0,s^2)(z))^alpha] is integrated on a fine grid in log
space (trapezoid rule via scipy's logsumexp), for integer and fractional alpha alike.
"""
import json
import math
import sys

import numpy as np
from scipy.special import logsumexp


def log_a(q, sigma, alpha):
    if q == 0:
        return 0.0
    lo = -40.0 * sigma - 1.0
    hi = alpha + 40.0 * sigma + 1.0
    step = sigma / 200.0
    n = int(math.ceil((hi - lo) / step)) + 1
    z = np.linspace(lo, hi, n)
    dz = z[1] - z[0]
    log_mu0 = -z * z / (2 * sigma * sigma) - math.log(math.sqrt(2 * math.pi) * sigma)
    ratio = (2 * z - 1) / (2 * sigma * sigma)  # log(mu1(z) / mu0(z))
    if q == 1:
        log_mix = ratio
    else:
        log_mix = np.logaddexp(math.log1p(-q), math.log(q) + ratio)
    log_f = log_mu0 + alpha * log_mix
    # trapezoid: the end points carry half weight; they are far in the tails, so the correction is negligible
    return float(logsumexp(log_f) + math.log(dz))


def epsilon(orders, rdp, delta, tight):
    best = math.inf
    for alpha, r in zip(orders, rdp):
        if tight:
            e = r + math.log((alpha - 1) / alpha) - (math.log(delta) + math.log(alpha)) / (alpha - 1)
        else:
            e = r + math.log(1 / delta) / (alpha - 1)
        best = min(best, e)
    return max(0.0, best)


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        q, sigma, steps, delta, orders = case["q"], case["sigma"], case["steps"], case["delta"], case["orders"]
        rdp = [max(0.0, log_a(q, sigma, a) / (a - 1)) for a in orders]
        total = [r * steps for r in rdp]
        out.append({
            "rdp": rdp,
            "classic": epsilon(orders, total, delta, tight=False),
            "tight": epsilon(orders, total, delta, tight=True),
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
