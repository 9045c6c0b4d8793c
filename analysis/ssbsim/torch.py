"""Record the weights of a PyTorch training run in ssbsim's HDF5 layout (docs/output.md).

The recorder turns a training run into a file that `ssbsim measure`, `ssbsim info`,
`ssbsim analyze` and the plotting scripts read like the output of a run: the weights of the
chosen layers are the field on the network lattice `layer x neuron x input`
(docs/network.md, "Real training runs"), several seeds of one training setup are the replicas,
and the root attribute `deck` is an ssbsim deck that describes the network geometry and the
optimizer in the training vocabulary of ssbsim ([network], [training]), so that the lattice,
and the replica count can be reconstructed from the file.

    from ssbsim.torch import Recorder         # PYTHONPATH=analysis, or the installed package
    with Recorder("run.h5", replicas=4, every=10, learning_rate=0.05, batch_size=16) as rec:
        for r in range(4):
            torch.manual_seed(r)
            model, opt = make_model(), make_optimizer()
            tap = rec.attach(model, opt, layers=[model[2], model[4], model[6]], replica=r)
            for step in range(steps):
                ...; opt.step()
                tap.step()              # records every `every` steps (and step 0 at attach)
    # then: ssbsim measure run.h5 && ssbsim analyze run_measured.h5

Layout written (all float64, one table /records/configurations and views of it, as ssbsim):
  /configurations/step [n] int64, time [n] (training time t = sum of the learning rates),
  learning_rate [n] and batch_size [n] (the optimizer's when the row was recorded, by the
  first replica that reached the row), field [n, depth, width, fan_in, 1] (replica 0),
  replica_field [n, R, depth, width, fan_in, 1] (with R > 1).
Mapping: layer l of the lattice is the l-th chosen layer, neuron i is output unit i (row i of
the weight matrix), input k is its k-th input. Layers must have the same number of neurons; a
layer with fewer inputs than the widest (a first layer of another fan-in) is padded with zeros
along the input axis. The padded weights are the same for every neuron and every replica, so
they add nothing to the sums of D_l, the replica distance or the overlap; the per-layer
means M_l and D_l of a padded layer are (K0 / K) times those of its K0 real weights (the root
attribute `layer_fan_in` holds K0 per layer). Biases are not recorded.

Needs PyTorch (Debian: python3-torch, installed by scripts/install-deps.sh); importing this
module without it raises an ImportError that names python3-torch (the rest of the package does
not need torch). Tested by tests/test_torch.cpp.
"""

import h5py
import numpy as np

try:
    import torch
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        "ssbsim.torch needs PyTorch: install Debian's python3-torch "
        "(apt-get install python3-torch, or scripts/install-deps.sh)") from e

RECORDER_VERSION = "ssbsim_torch 1"  # the recording format (root attribute ssbsim_version)
_HEADER = ["step", "time", "learning_rate", "batch_size"]
_MIB = 1 << 20


def _block(row_shape, offset, n):
    """Start and count, within one row of shape row_shape, of the elements [offset, offset+n)
    as one block: whole slabs of one axis, or part of one innermost line (as ssbsim's
    block_of, src/io/hdf5.cpp)."""
    r = len(row_shape)
    stride = int(np.prod(row_shape))
    for k in range(r):
        stride //= row_shape[k]
        if offset % stride or n % stride:
            continue
        if (offset // stride) % row_shape[k] + n // stride > row_shape[k]:
            continue
        start = list(np.unravel_index(offset, row_shape)) if r else []
        count = [1 if j < k else (n // stride if j == k else row_shape[j]) for j in range(r)]
        return [int(s) for s in start], count
    raise ValueError(f"elements [{offset}, {offset + n}) of a row are not one block")


def _view(group, name, table, row_shape, offset, dtype):
    """A virtual dataset [rows, row_shape...] of the elements [offset, ...) of every table row,
    growing with the table (HDF5 unlimited mapping)."""
    unlimited = h5py.h5s.UNLIMITED
    table_row = table.shape[1:]
    n = int(np.prod(row_shape)) if row_shape else 1
    start, count = _block(table_row, offset, n)
    rank = len(row_shape) + 1
    vspace = h5py.h5s.create_simple((0,) + tuple(row_shape), (unlimited,) + tuple(row_shape))
    vspace.select_hyperslab((0,) * rank, (unlimited,) + (1,) * (rank - 1),
                            (1,) * rank, (1,) + tuple(row_shape))
    trank = len(table_row) + 1
    sspace = h5py.h5s.create_simple((0,) + tuple(table_row), (unlimited,) + tuple(table_row))
    sspace.select_hyperslab((0,) + tuple(start), (unlimited,) + (1,) * (trank - 1),
                            (1,) * trank, (1,) + tuple(count))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_virtual(vspace, b".", table.name.encode(), sspace)
    ftype = h5py.h5t.STD_I64LE if dtype == "i64" else h5py.h5t.IEEE_F64LE
    h5py.h5d.create(group.id, name.encode(), ftype, vspace, dcpl=dcpl)
    return group[name]


def _describe(obj, units, description):
    obj.attrs["units"] = units
    obj.attrs["description"] = description


def _weights(layer):
    """The weight matrix [outputs, inputs] of a layer (a module with .weight, or a tensor)."""
    w = layer.weight if hasattr(layer, "weight") else layer
    if not isinstance(w, torch.Tensor) or w.dim() != 2:
        raise ValueError("a recorded layer must be a 2-d weight (e.g. torch.nn.Linear)")
    return w


def _deck(geometry, replicas, every, steps, seed, learning_rate, batch_size, grad_variance,
          method, comments):
    depth, width, fan_in = geometry
    lines = [f"# {c}" for c in comments]
    lines += ["[run]", f"seed = {seed}", f"replicas = {replicas}",
              "[network]", f"depth = {depth}", f"width = {width}", f"fan_in = {fan_in}",
              "[field]", "init = cold",
              "[action]", "m2 = -1", "lambda = 1",
              "[training]", f"learning_rate = {learning_rate!r}"]
    if method != "flow":
        lines += [f"batch_size = {batch_size}", f"grad_variance = {grad_variance!r}"]
    lines += ["[dynamics]", f"method = {method}", f"steps = {max(steps, 1)}",
              "[measure]", f"every = {every}", f"save_every = {every}"]
    return "\n".join(lines) + "\n"


class Recorder:
    """One HDF5 file: the weights of R training runs (replicas) of one setup, every `every`
    steps. `method` is the ssbsim dynamics the training corresponds to: "flow" for full-batch
    gradient descent, "langevin" for SGD (temperature = learning_rate * grad_variance /
    (2 batch_size), docs/network.md)."""

    def __init__(self, path, replicas=1, every=1, learning_rate=0.01, batch_size=1,
                 grad_variance=1.0, method="langevin", seed=1, compression=0,
                 description="weights of a PyTorch training run"):
        if replicas < 1 or every < 1:
            raise ValueError("replicas and every must be >= 1")
        if method not in ("flow", "langevin"):
            raise ValueError("method: flow (full-batch gradient descent) or langevin (SGD)")
        self.path, self.replicas, self.every = path, replicas, every
        self.settings = dict(learning_rate=float(learning_rate), batch_size=int(batch_size),
                             grad_variance=float(grad_variance), method=method, seed=int(seed))
        self.compression = compression
        self.description = description
        self.file = h5py.File(path, "w", libver=("earliest", "v110"))
        self.table = None
        self.geometry = None
        self.fan_ins = None
        self.last_step = 0
        self.comments = []

    # -- the file ----------------------------------------------------------------------------
    def _create(self, geometry, fan_ins):
        depth, width, fan_in = geometry
        f, R = self.file, self.replicas
        slab = depth * width * fan_in
        header_slabs = -(-len(_HEADER) // slab)
        row = (header_slabs + R, depth, width, fan_in, 1)
        row_bytes = 8 * int(np.prod(row))
        chunk_rows = max(1, _MIB // row_bytes)
        records = f.require_group("records")
        records.attrs["description"] = ("storage of the row groups: each table holds a group's "
                                        "rows once; the group's datasets are views of it "
                                        "(docs/output.md)")
        kw = dict(compression="gzip", compression_opts=self.compression, shuffle=True) \
            if self.compression else {}
        t = records.create_dataset("configurations", shape=(0,) + row, maxshape=(None,) + row,
                                   chunks=(chunk_rows,) + row, dtype="f8", fillvalue=np.nan,
                                   **kw)
        field_offset = header_slabs * slab
        names = _HEADER + (["replica_field"] if R > 1 else ["field"])
        offsets = list(range(len(_HEADER))) + [field_offset]
        widths = [1] * len(_HEADER) + [R * slab]
        _describe(t, "", "the rows of /configurations (docs/output.md, /records)")
        t.attrs["columns"] = names
        t.attrs["offsets"] = np.array(offsets, dtype=np.int64)
        t.attrs["widths"] = np.array(widths, dtype=np.int64)
        g = f.create_group("configurations")
        g.attrs["description"] = ("recorded weights: layer x neuron x input, every "
                                  f"{self.every} training steps")
        shape = (depth, width, fan_in, 1)
        labels = ["saved", "layer", "neuron", "input", "component"]
        _describe(_view(g, "step", t, (), 0, "i64"), "steps",
                  "number of completed training steps when the row was recorded")
        _describe(_view(g, "time", t, (), 1, "f64"), "lattice units",
                  "training time t = sum of the learning rates of the steps so far")
        _describe(_view(g, "learning_rate", t, (), 2, "f64"), "1",
                  "learning rate in force (optimizer param_groups[0]['lr'])")
        _describe(_view(g, "batch_size", t, (), 3, "f64"), "1",
                  "mini-batch size of the step")
        field = _view(g, "field", t, shape, field_offset, "f64")
        _describe(field, "lattice units",
                  "weights w[saved, layer, neuron, input, component] (replica 0)")
        field.attrs["dimension_labels"] = labels
        if R > 1:
            all_ = _view(g, "replica_field", t, (R,) + shape, field_offset, "f64")
            _describe(all_, "lattice units",
                      "weights of every replica (seed) [saved, replica, layer, neuron, input, "
                      "component]")
            all_.attrs["dimension_labels"] = labels[:1] + ["replica"] + labels[1:]
        self.table, self.field_offset, self.slab = t, field_offset, slab
        self.geometry, self.fan_ins = geometry, fan_ins
        a = f.attrs
        a["ssbsim_version"] = RECORDER_VERSION
        a["recorder"] = RECORDER_VERSION + " (ssbsim.torch, analysis/ssbsim/torch.py)"
        a["description"] = self.description + "; recorded by ssbsim.torch, layout in " \
            "docs/output.md; measure it with ssbsim measure"
        a["dims"] = np.array(geometry, dtype=np.int64)
        a["axis_names"] = ["layer", "neuron", "input"]
        a["components"] = np.int64(1)
        a["replicas"] = np.int64(R)
        a["seed"] = np.int64(self.settings["seed"])
        a["layer_fan_in"] = np.array(fan_ins, dtype=np.int64)
        self._write_deck()

    def _write_deck(self):
        s = self.settings
        self.file.attrs["deck"] = _deck(self.geometry, self.replicas, self.every,
                                        self.last_step, s["seed"], s["learning_rate"],
                                        s["batch_size"], s["grad_variance"], s["method"],
                                        self.comments)

    def _write(self, replica, step, time, lr, batch, weights):
        t = self.table
        row = step // self.every
        if row >= t.shape[0]:
            t.resize(row + 1, axis=0)
        head = t[row, 0].reshape(-1)[: len(_HEADER)]
        if np.isnan(head[0]):
            values = np.array([step, time, lr, batch], dtype=float)
            flat = t[row, 0].reshape(-1)
            flat[: len(_HEADER)] = values
            t[row, 0] = flat.reshape(t.shape[2:])
        elif int(head[0]) != step:
            raise ValueError(f"replica {replica}: step {step} does not fit row {row} "
                             f"(step {int(head[0])}): record every replica every "
                             f"{self.every} steps")
        start = self.field_offset // self.slab + replica
        t[row, start] = weights.reshape(t.shape[2:])
        self.last_step = max(self.last_step, step)

    def attach(self, model, optimizer, layers, replica=0, batch_size=None):
        """Starts recording replica `replica`: its step 0 (the initial weights) now, then every
        `every` calls of Tap.step(). `layers`: modules with a 2-d .weight (or weight tensors),
        all with the same number of outputs."""
        if not 0 <= replica < self.replicas:
            raise ValueError(f"replica {replica} outside 0..{self.replicas - 1}")
        ws = [_weights(l) for l in layers]
        widths = {w.shape[0] for w in ws}
        if len(widths) != 1:
            raise ValueError("every recorded layer must have the same number of neurons "
                             f"(outputs); got {[w.shape[0] for w in ws]}")
        fan_ins = [int(w.shape[1]) for w in ws]
        geometry = (len(ws), int(ws[0].shape[0]), max(fan_ins))
        if self.table is None:
            self.comments = [f"recorded by {RECORDER_VERSION}: the weights of {len(ws)} layers",
                             f"optimizer: {type(optimizer).__name__} "
                             f"{ {k: v for k, v in optimizer.defaults.items() if not callable(v)} }"]
            self.comments += ["model: " + line for line in str(model).splitlines()]
            self.file.attrs["torch_model"] = str(model)
            self.file.attrs["torch_optimizer"] = str(optimizer)
            self._create(geometry, fan_ins)
        elif geometry != self.geometry or fan_ins != self.fan_ins:
            raise ValueError(f"replica {replica}: layers of shape {geometry} / fan-ins {fan_ins}"
                             f", the file holds {self.geometry} / {self.fan_ins}")
        tap = Tap(self, optimizer, ws, replica,
                  batch_size if batch_size is not None else self.settings["batch_size"])
        tap.record()
        return tap

    def close(self):
        if self.file:
            if self.table is not None:
                self._write_deck()  # the number of steps is known now
            self.file.close()
            self.file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Tap:
    """The recorder's hold on one replica's model and optimizer: call step() after every
    optimizer step."""

    def __init__(self, recorder, optimizer, weights, replica, batch_size):
        self.recorder, self.optimizer, self.weights = recorder, optimizer, weights
        self.replica, self.batch_size = replica, batch_size
        self.steps, self.time = 0, 0.0

    def lr(self):
        return float(self.optimizer.param_groups[0]["lr"])

    def record(self):
        depth, width, fan_in = self.recorder.geometry
        field = np.zeros((depth, width, fan_in))
        for l, w in enumerate(self.weights):
            field[l, :, : w.shape[1]] = w.detach().cpu().double().numpy()
        self.recorder._write(self.replica, self.steps, self.time, self.lr(), self.batch_size,
                             field)

    def step(self, batch_size=None):
        """One optimizer step done (with the learning rate still in force for it)."""
        if batch_size is not None:
            self.batch_size = batch_size
        self.time += self.lr()
        self.steps += 1
        if self.steps % self.recorder.every == 0:
            self.record()


def seed_all(seed):
    """Seeds torch (and numpy) for one replica; one thread keeps runs reproducible."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(1)
    return seed


__all__ = ["Recorder", "Tap", "seed_all", "RECORDER_VERSION"]
