#include "errors.h"

namespace {
thread_local std::string last_error;
}

void gf::set_last_error(std::string message) { last_error = std::move(message); }

extern "C" const char* gf_last_error(void) { return last_error.c_str(); }
