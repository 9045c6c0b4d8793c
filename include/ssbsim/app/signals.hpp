// Graceful stop: while a StopSignals object lives, SIGTERM, SIGINT and SIGUSR1 (what SLURM sends
// before its time limit with `#SBATCH --signal=B:USR1@120`) only raise a flag that the run loop
// polls once per step; it then writes a checkpoint and exits with status 5. A signal handler can
// only talk through a static flag: that flag is the one piece of global state, confined here.
#pragma once

#include <csignal>

namespace ssbsim {

class StopSignals {
  public:
    StopSignals();  // installs the handlers, saving the previous ones
    ~StopSignals(); // restores them
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    bool requested() const;
    int signal() const; // the signal received, 0 if none

  private:
    struct sigaction old_term_, old_int_, old_usr1_;
};

} // namespace ssbsim
