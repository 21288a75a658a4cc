using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

public sealed class PortableMathTests
{
    [Fact]
    public void Exp_AcrossRange_AgreesWithPlatformToAFewUlp()
    {
        for (var x = -700.0; x <= 700.0; x += 0.0137)
        {
            AssertClose(Math.Exp(x), PortableMath.Exp(x), 4e-16);
        }
    }

    [Fact]
    public void Log_AcrossRange_AgreesWithPlatformToAFewUlp()
    {
        var random = new Xoshiro256StarStar(2);
        for (var i = 0; i < 100_000; i++)
        {
            var x = PortableMath.Exp((random.NextDouble() * 1400) - 700);
            Assert.InRange(PortableMath.Log(x) - Math.Log(x), -4e-16 * Math.Max(1, Math.Abs(Math.Log(x))), 4e-16 * Math.Max(1, Math.Abs(Math.Log(x))));
        }

        Assert.Equal(0.0, PortableMath.Log(1.0));
        Assert.Equal(double.NegativeInfinity, PortableMath.Log(0.0));
        Assert.True(double.IsNaN(PortableMath.Log(-1.0)));
        AssertClose(Math.Log(double.Epsilon), PortableMath.Log(double.Epsilon), 4e-16);
    }

    [Fact]
    public void SinCos_AcrossRange_AgreesWithPlatformToAFewUlp()
    {
        for (var x = -PortableMath.MaxTrigArgument; x <= PortableMath.MaxTrigArgument; x += 0.000731)
        {
            var (sin, cos) = PortableMath.SinCos(x);
            Assert.InRange(sin - Math.Sin(x), -1e-15, 1e-15);
            Assert.InRange(cos - Math.Cos(x), -1e-15, 1e-15);
        }
    }

    [Fact]
    public void Tanh_AgreesWithPlatform()
    {
        for (var x = -25.0; x <= 25.0; x += 0.01)
        {
            Assert.InRange(PortableMath.Tanh(x) - Math.Tanh(x), -1e-15, 1e-15);
        }
    }

    private static void AssertClose(double expected, double actual, double relative) =>
        Assert.InRange(actual, expected - (Math.Abs(expected) * relative), expected + (Math.Abs(expected) * relative));
}
