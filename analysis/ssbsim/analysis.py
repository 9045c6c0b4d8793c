"""The error analysis of `ssbsim analyze`, in Python: Wolff's Gamma-method, the MSER
thermalisation cut, the linearised Gamma-method of derived quantities, and the per-file analysis with
the replicas of a run combined as independent chains.

An independent implementation (numpy FFT for the autocovariance) of the definitions in
docs/analysis.md; tests/test_python.cpp checks it against `ssbsim analyze --json`.

Replicas (`run.replicas` R > 1, the /replicas group) are independent Markov chains of the same
ensemble. Each gets the same thermalisation cut (the largest over the replicas), and the R
series are chained end to end before the Gamma-method: the mean is the mean over all R (N - cut)
samples, and the R - 1 joints add cross-replica products of independent chains to Gamma(t), an
O(R W / N) effect on tau_int. pyerrors (`ssbsim.export.to_pyerrors`) treats them as replicas of
one ensemble in Wolff's replica formula instead.
"""

import math

import numpy as np

from . import reader

MIN_SAMPLES = 100  # measurements after the cut (analyze's min_samples)
MIN_GAMMA_SAMPLES = 20
MIN_EFFECTIVE_SAMPLES = 20.0
THERMALISATION_COLUMNS = ("action", "phi2", "abs_magnetization")
# Columns that hold the parameters in force (their mean, no error) and columns analyze does not
# average (per-configuration estimates that may be NaN, functions of distance).
PARAMETERS = ("temperature", "step_size", "m2", "h")
NOT_AVERAGED = ("xi2", "correlator", "time")


class AnalysisError(ValueError):
    """A series the method cannot analyse (too short, constant, window not closed, ...)."""


def autocovariance(deviations, lags):
    """Gamma(t) = (N - t)^-1 sum_i d_i d_{i+t} for t = 0..lags (FFT, zero-padded)."""
    d = np.asarray(deviations, dtype=float)
    n = len(d)
    spectrum = np.fft.rfft(d, 2 * n)
    gamma = np.fft.irfft(spectrum * np.conj(spectrum), 2 * n)[:lags + 1]
    return gamma / (n - np.arange(lags + 1))


def _window(gamma, n, s_tau):
    """Wolff's automatic window: the first W with exp(-W/tau_W) - tau_W/sqrt(W N) < 0."""
    g_int = 0.0
    for w in range(1, n // 2 + 1):
        g_int += gamma[w] / gamma[0]
        tau_w = np.finfo(float).eps if g_int <= 0 else s_tau / math.log((g_int + 1) / g_int)
        if math.exp(-w / tau_w) - tau_w / math.sqrt(w * n) < 0:
            return w
    raise AnalysisError(f"the autocorrelation window did not close below W = N/2 = {n // 2}: "
                        f"the series of {n} samples is too short for its autocorrelation time; "
                        "run longer")


def gamma_method(series, s_tau=1.5, min_effective=MIN_EFFECTIVE_SAMPLES):
    """Wolff's Gamma-method (Comput. Phys. Commun. 156 (2004) 143) for one series: dict with
    mean, error, tau_int, tau_int_error, window, n_effective and rho(t), t = 0..2W (bias-corrected
    by C_F/N, eq. 49). Raises AnalysisError where `ssbsim analyze` gives no error."""
    a = np.asarray(series, dtype=float)
    n = len(a)
    if n < MIN_GAMMA_SAMPLES:
        raise AnalysisError(f"the Gamma-method needs at least {MIN_GAMMA_SAMPLES} samples, the "
                            f"series has {n}")
    if not np.all(np.isfinite(a)):
        raise AnalysisError("the series contains NaN or inf values")
    if np.all(a == a[0]):
        raise AnalysisError(f"the series is constant over its {n} samples")
    mean = float(sum(a.tolist()) / n)  # sequential sum, as analyze
    return _analyse_deviations(a - mean, mean, s_tau, min_effective)


def _analyse_deviations(dev, value, s_tau=1.5, min_effective=MIN_EFFECTIVE_SAMPLES):
    """The Gamma-method on deviations from the mean (a primary's, or the linearised projection
    of a derived quantity's): the estimate `value` with its error and tau_int."""
    n = len(dev)
    mean = value
    gamma = autocovariance(dev, n // 2)
    if not gamma[0] > 0:
        raise AnalysisError(f"the quantity does not fluctuate over the {n} samples")
    window = _window(gamma, n, s_tau)
    c_f = gamma[0] + 2 * gamma[1:window + 1].sum()
    if c_f <= 0:
        raise AnalysisError("the summed autocorrelation is not positive")
    gamma = gamma + c_f / n
    c_f = gamma[0] + 2 * gamma[1:window + 1].sum()
    tau = c_f / (2 * gamma[0])
    n_eff = n / (2 * tau)
    if n_eff < min_effective:
        raise AnalysisError(f"the series of {n} samples has tau_int = {tau:.3g}, i.e. only "
                            f"{n_eff:.3g} independent samples (< {min_effective:g} needed for a "
                            "usable error); run longer")
    lags = min(2 * window, n // 2)
    return {"mean": mean, "error": math.sqrt(c_f / n), "tau_int": float(tau),
            "tau_int_error": 2 * tau * math.sqrt(max(0.0, window + 0.5 - tau) / n),
            "window": int(window), "n_effective": float(n_eff), "n_samples": n,
            "rho": (gamma[:lags + 1] / gamma[0]).tolist()}


def thermalisation_cut(series, batch_size=0):
    """MSER (White 1997) on batch means, as analyze: (cut, at_limit). Batches of
    max(5, N/100) samples; the cut is at most N/2."""
    values = np.asarray(series, dtype=float).tolist()
    m = batch_size or max(5, len(values) // 100)
    k = len(values) // m
    if k < 20:
        raise AnalysisError(f"thermalisation: {len(values)} samples give {k} batches of {m}; at "
                            "least 20 are needed")
    y = [sum(values[j * m:(j + 1) * m]) / m for j in range(k)]
    d_max = k // 2
    mser = [0.0] * (d_max + 1)
    mean = m2 = 0.0
    for j in range(k - 1, -1, -1):  # Welford from the end, as analyze
        count = k - j
        delta = y[j] - mean
        mean += delta / count
        m2 += delta * (y[j] - mean)
        if j <= d_max:
            mser[j] = m2 / (count * count)
    d = int(np.argmin(mser))
    return d * m, d == d_max and d > 0


def gamma_derived(primaries, f):
    """Wolff's linearised estimator for f of the means of the primaries (as `ssbsim analyze`):
    the gradient by central differences with the naive error of each mean as step, then the
    Gamma-method on the projected series sum_a df/da (a_i - mean_a)."""
    primaries = [np.asarray(p, dtype=float) for p in primaries]
    n = len(primaries[0])
    if n < MIN_GAMMA_SAMPLES:
        raise AnalysisError(f"the Gamma-method needs at least {MIN_GAMMA_SAMPLES} samples, the "
                            f"series have {n}")
    means = [float(sum(p.tolist()) / n) for p in primaries]
    value = f(means)
    dev = np.zeros(n)
    for a, p in enumerate(primaries):
        if np.all(p == p[0]):
            continue  # contributes no fluctuation
        h = math.sqrt(float(((p - means[a]) ** 2).sum()) / n) / math.sqrt(n)
        up, down = list(means), list(means)
        up[a] += h
        down[a] -= h
        grad = (f(up) - f(down)) / (2 * h)
        if grad != 0.0:
            dev += grad * (p - means[a])
    return _analyse_deviations(dev, value)


def binder(m2, m4, components=1):
    """1 - N <|M|^4> / ((N + 2) <|M|^2>^2); N = 1: 1 - <M^4>/(3 <M^2>^2)."""
    return 1.0 - components * m4 / ((components + 2.0) * m2 * m2)


class Samples:
    """The rows of a run output the analysis uses: every column per replica, [R][n, ...]."""

    def __init__(self, path):
        run = reader.Run(path)
        self.path, self.run = path, run
        self.steps = run.observables["step"]
        n = len(self.steps)
        self.replicas = 1
        self.columns = {name: [np.asarray(v)] for name, v in run.observables.items()
                        if name != "step"}
        if run.replica_count > 1:
            group = reader.read_group(path, "replicas")
            self.replicas = run.replica_count
            for name, value in group.items():
                if name in self.columns and value.ndim >= 2:
                    self.columns[name] = [value[:n, r] for r in range(self.replicas)]
            for name, value in self.columns.items():
                if len(value) == 1:  # time: the same for every replica
                    self.columns[name] = value * self.replicas

    def entry(self, name, index, skip):
        """Entry `index` of a column, rows [skip, n) of every replica, chained."""
        parts = [v.reshape(len(v), -1)[skip:, index] for v in self.columns[name]]
        return np.concatenate(parts).astype(float)

    def width(self, name):
        v = self.columns[name][0]
        return int(np.prod(v.shape[1:], dtype=int))


def _cut(samples, skip):
    n = len(samples.steps)
    if skip is not None:
        if skip >= n:
            raise reader.UsageError(f"{samples.path}: --skip {skip} leaves no measurements")
        return int(skip), False
    if n < MIN_SAMPLES:
        raise reader.UsageError(f"{samples.path}: only {n} measurements, too few for the "
                                f"automatic thermalisation cut (at least {MIN_SAMPLES})")
    cut, at_limit = 0, False
    for name in THERMALISATION_COLUMNS:
        if name not in samples.columns:
            continue
        for r in range(samples.replicas):
            c, limit = thermalisation_cut(samples.columns[name][r].reshape(n, -1)[:, 0])
            cut, at_limit = max(cut, c), at_limit or limit
    if n - cut < MIN_SAMPLES:
        raise reader.UsageError(f"{samples.path}: only {n - cut} measurements remain after "
                                f"the thermalisation cut of {cut}")
    return cut, at_limit


def _estimate(name, series):
    if not np.all(np.isfinite(series)):
        return {"value": math.nan, "error": math.nan, "method": "gamma",
                "note": "contains NaN or inf values"}
    if np.all(series == series[0]):
        return {"value": float(series[0]), "error": 0.0, "method": "constant",
                "tau_int": math.nan}
    try:
        g = gamma_method(series)
        return {"value": g["mean"], "error": g["error"], "tau_int": g["tau_int"],
                "tau_int_error": g["tau_int_error"], "n_effective": g["n_effective"],
                "method": "gamma"}
    except AnalysisError as e:
        return {"value": float(series.mean()), "error": math.nan, "tau_int": math.nan,
                "method": "gamma", "note": f"no error estimate: {e}"}


def analyze(path, skip=None):
    """The analysis `ssbsim analyze FILE --json` does for one file, replicas combined: dict with
    skip, replicas, used (samples per replica) and estimates {name: {value, error,
    tau_int, method, ...}} (vector columns as name[i]; derived binder, binder_on, chi,
    specific_heat)."""
    samples = Samples(path)
    cut, at_limit = _cut(samples, skip)
    out = {"file": path, "skip": cut, "equilibrated": not at_limit,
           "replicas": samples.replicas, "used": len(samples.steps) - cut, "estimates": {}}
    est = out["estimates"]
    for name in samples.columns:
        if name in NOT_AVERAGED:
            continue
        width = samples.width(name)
        vector = samples.columns[name][0].ndim > 1
        for i in range(width):
            label = f"{name}[{i}]" if vector else name
            series = samples.entry(name, i, cut)
            if name in PARAMETERS:
                est[label] = {"value": float(series[0]) if np.all(series == series[0])
                              else float(series.mean()),
                              "error": 0.0 if np.all(series == series[0]) else math.nan,
                              "method": "parameter"}
            else:
                est[label] = _estimate(label, series)
    _derived(samples, cut, out)
    return out


def _derived(samples, cut, out):
    est = out["estimates"]
    col = lambda name: samples.entry(name, 0, cut)  # noqa: E731
    n_comp, volume = samples.run.components, samples.run.volume
    moments = [col("magnetization2"), col("magnetization4")]
    derived = {"binder": (moments, lambda m: binder(m[0], m[1]))}
    if n_comp > 1:
        derived["binder_on"] = (moments, lambda m: binder(m[0], m[1], n_comp))
    derived["chi"] = ([col("magnetization2"), col("abs_magnetization")],
                      lambda m: volume * (m[0] - m[1] * m[1]))
    temperature = col("temperature")
    if np.all(temperature == temperature[0]) and temperature[0] > 0:
        e = col("action")
        e = e - sum(e.tolist()) / len(e)
        t2 = temperature[0] ** 2
        derived["specific_heat"] = ([e, e * e], lambda m: volume * (m[1] - m[0] ** 2) / t2)
    for name, (primaries, f) in derived.items():
        try:
            g = gamma_derived(primaries, f)
            est[name] = {"value": g["mean"], "error": g["error"], "tau_int": g["tau_int"],
                         "tau_int_error": g["tau_int_error"], "n_effective": g["n_effective"],
                         "method": "gamma_derived"}
        except (AnalysisError, ZeroDivisionError) as e:
            est[name] = {"value": math.nan, "error": math.nan, "tau_int": math.nan,
                         "method": "gamma_derived", "note": str(e)}
