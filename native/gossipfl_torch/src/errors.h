// Error handling at the C boundary: every exported function runs its body through gf::guard, which turns
// any C++ exception into a status code and keeps the message for gf_last_error().
#pragma once

#include <stdexcept>
#include <string>

#include <c10/util/Exception.h>

#include "gossipfl_torch.h"

namespace gf {

// A caller error detected by the shim itself (bad pointer, size or shape).
struct argument_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct io_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void set_last_error(std::string message);

template <typename Body>
gf_status guard(Body&& body) noexcept {
    try {
        body();
        return GF_OK;
    } catch (const argument_error& e) {
        set_last_error(e.what());
        return GF_ERR_ARGUMENT;
    } catch (const io_error& e) {
        set_last_error(e.what());
        return GF_ERR_IO;
    } catch (const c10::Error& e) {
        // what() carries a C++ backtrace; the user needs only the message.
        set_last_error(e.what_without_backtrace());
        return GF_ERR_TORCH;
    } catch (const std::exception& e) {
        set_last_error(e.what());
        return GF_ERR_INTERNAL;
    } catch (...) {
        set_last_error("unknown C++ exception");
        return GF_ERR_INTERNAL;
    }
}

inline void require(bool condition, const std::string& message) {
    if (!condition) throw argument_error(message);
}

}  // namespace gf
