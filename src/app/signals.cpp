#include "ssbsim/app/signals.hpp"

namespace ssbsim {

namespace {

volatile std::sig_atomic_t received = 0;

extern "C" void on_stop_signal(int sig) {
    received = sig;
}

void install(int sig, struct sigaction& old) {
    struct sigaction act {};
    act.sa_handler = on_stop_signal;
    sigemptyset(&act.sa_mask);
    act.sa_flags = SA_RESTART; // an interrupted write() resumes instead of failing
    sigaction(sig, &act, &old);
}

} // namespace

StopSignals::StopSignals() {
    received = 0;
    install(SIGTERM, old_term_);
    install(SIGINT, old_int_);
    install(SIGUSR1, old_usr1_);
}

StopSignals::~StopSignals() {
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGUSR1, &old_usr1_, nullptr);
}

bool StopSignals::requested() const {
    return received != 0;
}
int StopSignals::signal() const {
    return received;
}

} // namespace ssbsim
