"""The one style of every ssbsim picture: math-typeset labels with units, distinct markers,
reference lines where theory gives a value, and value(error) with the error's precision.

Every plot command takes its figure from `figure()` and its labels from `label()`, so a change
here changes all pictures alike.
"""

import math

# Distinct markers and colours (Okabe-Ito, readable with colour-vision deficiencies), cycled
# together so that every curve differs in both.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
          "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "<"]
LINESTYLES = ["-", "--", "-.", ":"]

# Reference values with their published sources (docs/validation.md).
ISING_2D_BINDER = 0.61069  # U* of the 2D Ising class, periodic square L x L (Salas & Sokal 2000)
ISING_2D_NU = 1.0          # Onsager: nu = 1, gamma/nu = 7/4
ISING_2D_GAMMA_OVER_NU = 1.75

LATTICE = "lattice units"

# Dataset or deck key -> (math label, units or None for a pure number).
_LABELS = {
    "abs_magnetization": (r"$|M|$", LATTICE),
    "magnetization": (r"$M$", LATTICE),
    "magnetization2": (r"$|M|^2$", LATTICE),
    "magnetization4": (r"$|M|^4$", LATTICE),
    "phi2": (r"$\overline{|\phi|^2}$", LATTICE),
    "phi4": (r"$\overline{|\phi|^4}$", LATTICE),
    "action": (r"$S/V$", LATTICE),
    "kinetic": (r"$S_\mathrm{kin}/V$", LATTICE),
    "potential": (r"$S_\mathrm{pot}/V$", LATTICE),
    "grad_norm": (r"$\|\partial S/\partial\phi\|_\mathrm{rms}$", LATTICE),
    "domain_walls": (r"domain-wall density $\rho_\mathrm{w}$", None),
    "schwinger_dyson": (r"Schwinger–Dyson ratio", None),
    "structure_factor_zero": (r"$S(0)$", LATTICE),
    "structure_factor": (r"$S(k_\mathrm{min})$", LATTICE),
    "xi2": (r"$\xi_2$", "lattice spacings"),
    "temperature": (r"noise temperature $T$", LATTICE),
    "step_size": (r"learning rate $\epsilon$", LATTICE),
    "m2": (r"$m^2$", LATTICE),
    "h": (r"$h$", LATTICE),
    "time": (r"training time $t = \sum \epsilon$", LATTICE),
    "step": (r"step", None),
    "binder": (r"$U = 1 - \langle M^4\rangle / 3\langle M^2\rangle^2$", None),
    "chi": (r"$\chi = V(\langle M^2\rangle - \langle |M|\rangle^2)$", LATTICE),
    "overlap": (r"replica overlap $q_{ab}$", None),
    "distance": (r"replica distance $d_{ab}$", LATTICE),
    "diversity": (r"neuron diversity $D_l$", LATTICE),
    "action.m2": (r"$m^2$", LATTICE),
    "action.lambda": (r"$\lambda$", LATTICE),
    "action.h": (r"$h$", LATTICE),
    "dynamics.temperature": (r"$T$", LATTICE),
    "network.layer_coupling": (r"layer coupling $J_\mathrm{layer}$", LATTICE),
    "training.learning_rate": (r"learning rate $\eta$", LATTICE),
}


def label(name, units=True):
    """Axis label of a dataset or deck key: its math symbol and, if it has them, its units."""
    text, unit = _LABELS.get(name, (name.replace("_", " "), None))
    return f"{text} [{unit}]" if units and unit else text


def symbol(name):
    """The math symbol of a dataset or deck key, without units (for legends)."""
    return _LABELS.get(name, (name.replace("_", " "), None))[0]


def value_error(value, error, digits=2):
    """'value(error)' with the error to `digits` significant digits and the value to the same
    decimal place: 0.5270(51), -1.2369(44), 12.3(1.4); plain value when there is no error."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if error is None or not math.isfinite(error) or error <= 0:
        return f"{value:.4g}"
    decimals = digits - 1 - math.floor(math.log10(error))
    if decimals <= 0:
        return f"{value:.0f}({error:.0f})"
    scaled = round(error * 10 ** decimals)
    if scaled >= 10 ** digits:  # rounding carried into a new digit: 9.96e-3 -> 0.010
        decimals -= 1
        scaled = round(error * 10 ** decimals)
    if decimals <= 0:
        return f"{value:.0f}({error:.0f})"
    if error >= 1:  # the error spans the decimal point: write it out, 12.3(1.4)
        return f"{value:.{decimals}f}({error:.{decimals}f})"
    return f"{value:.{decimals}f}({scaled})"


def pyplot():
    """matplotlib.pyplot without a display, with the ssbsim style applied."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler
    plt.rcParams.update({
        "figure.dpi": 150, "savefig.dpi": 150, "font.size": 10, "axes.labelsize": 10,
        "axes.titlesize": 10, "legend.fontsize": 8, "legend.framealpha": 0.9,
        "axes.grid": True, "grid.alpha": 0.25, "lines.markersize": 5, "errorbar.capsize": 2,
        "mathtext.fontset": "dejavusans", "axes.spines.top": False, "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=COLORS) + cycler(marker=MARKERS),
    })
    return plt


def figure(ncols=1, nrows=1, width=None, height=3.6, **kw):
    """(plt, fig, axes) with the style applied; width defaults to 4.8 in per column."""
    plt = pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(width or 4.8 * ncols, height * nrows),
                             layout="constrained", **kw)
    return plt, fig, axes


def curve_style(i):
    """Marker, colour and line style of curve i (all three differ between neighbours)."""
    return {"marker": MARKERS[i % len(MARKERS)], "color": COLORS[i % len(COLORS)],
            "linestyle": LINESTYLES[(i // len(MARKERS)) % len(LINESTYLES)]}


def reference_line(ax, y=None, x=None, text="", **kw):
    """A dashed grey line at a value theory gives (horizontal at y or vertical at x), in the
    legend as `text`."""
    style = {"color": "0.35", "linestyle": (0, (5, 3)), "linewidth": 1, "zorder": 1}
    style.update(kw)
    if y is not None:
        return ax.axhline(y, label=text, **style)
    return ax.axvline(x, label=text, **style)


def legend(ax, **kw):
    """A legend placed where it covers the fewest data points."""
    return ax.legend(loc=kw.pop("loc", "best"), **kw)


def size(run):
    """The lattice of a run as math text: $8\\times 8$."""
    return "$" + r"\times ".join(str(d) for d in run.dims) + "$"


def legend_above(ax, ncols=3, **kw):
    """A legend in a band above the axes, so it never covers data (constrained layout makes
    room for it)."""
    return ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02, 1, 0.2), mode="expand",
                     ncols=ncols, borderaxespad=0, **kw)
