#!/usr/bin/python3
"""External reference values for CrossPropertyILGPU, computed in PyTorch (float64).

Run once, from anywhere, with Debian's torch (`apt-get install python3-torch python3-numpy`):

    /usr/bin/python3 tests/reference/make_elemnet_reference.py

It writes, beside itself:

1. elemnet_reference.safetensors: one training step of a small ElemNet-shaped net, checked by
   tests/CrossPropertyILGPU.Network.Tests/Reference/TorchReferenceTests.cs.
2. elemnet_oqmd_predictions.json: the shipped model models/elemnet-oqmd evaluated on a few
   formulas; the same numbers are pinned in
   tests/CrossPropertyILGPU.Transfer.Tests/Facade/ReadmeExampleTests.cs.

Nothing here comes from the engine's code: the network, the safetensors reader/writer, the formula
parser and the element order are written below from the published definitions (ElemNet, Jha et al.
2018; the safetensors format; Kingma & Ba's Adam), and the loss, gradients and Adam step are torch's
(autograd and torch.optim.Adam).

Conventions (the engine's, which the reference follows so the values are directly comparable):

* Weight layout: every dense weight is stored [in, out] (y = x . W + b, Keras's kernel layout,
  the engine's checkpoint layout), i.e. the TRANSPOSE of torch.nn.Linear.weight [out, in]. Biases
  are [out]. The names are the engine's: dense.{i}.weight / dense.{i}.bias, i = 0 at the input.
* Architecture: ElemNet's string syntax; "WxK" = K dense layers of width W with ReLU, "D" = a dropout
  after the block, the last token is the linear output. Every dropout has keep probability 1 (so
  the engine's training-mode forward is deterministic and torch needs no dropout at all).
* Loss: MAE, L = (1/n) sum_i |p_i - y_i| over the batch of n rows (torch's L1Loss 'mean'). The
  engine accumulates the SUM over rows into a one-float buffer; the file stores the MEAN, so the
  test divides the engine's sum by n. dL/dp_i = sign(p_i - y_i)/n. The batch is chosen so that
  no |p_i - y_i| and no hidden pre-activation lies near 0 (the kinks of |.| and ReLU), see MARGIN.
* Adam: one step from zero moments with TensorFlow's epsilon-hat convention, which the engine uses:
      m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
      p <- p - a_t m / (sqrt(v) + eps),  a_t = a sqrt(1-b2^t) / (1-b1^t)
  i.e. the bias correction is folded into the step size and eps is added to the UNcorrected sqrt(v).
  PyTorch's Adam instead adds eps to sqrt(v_hat) = sqrt(v)/sqrt(1-b2^t); the two agree exactly when
  torch's eps is eps / sqrt(1-b2^t), which is how torch.optim.Adam is called below (t = 1), and the
  result is checked against the formula above written out by hand. eps and the learning rate are
  chosen (1e-6, 1e-3) so that the two conventions differ far beyond the test's tolerance for many
  parameters (the count is in the metadata). The hyper-parameters are the float32 values the
  engine's AdamStep holds (0.999f = 0.99900001287...), widened to float64.
* Precision: all inputs (weights, features, targets) are float32 values; everything is computed in
  float64 from them and each result is rounded once to float32 for storage (safetensors F32, the
  only dtype the engine's reader takes).

The shipped model's predictions: features are ElemNet's 86 elemental fractions (amount / total,
computed in float64 and rounded to float32, as the engine's input is float32), in ElemNet's element
order (atomic number order of H..Pu without He, Ne, Ar, Po, At, Rn, Fr, Ra), checked against the
list in model.json; prediction = network output * target_scale + target_offset (model.json),
evaluated in float64.
"""
import json
import math
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

ARCHITECTURE = "64x4D-32x3D-16x3D-8x3D-8x2-4x1-1"
N_IN = 86
ROWS = 32
LEARNING_RATE = float(np.float32(1e-3))
BETA1 = float(np.float32(0.9))
BETA2 = float(np.float32(0.999))
EPSILON = float(np.float32(1e-6))
MARGIN = 1e-5      # smallest allowed |pre-activation| and |prediction - target| ...
MARGIN_OVER_FLOAT32 = 100   # ... and at least this many times float32's error on them (see training_step)
MIN_OUTPUT_STD = 0.02       # the outputs must differ between rows, so a mixed-up row shows
FIRST_SEED = 20240607

# ElemNet's 86 inputs: elements 1..94 (H..Pu) in atomic-number order without these eight.
PERIODIC_TABLE_TO_PU = (
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se "
    "Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy "
    "Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu").split()
EXCLUDED = {"He", "Ne", "Ar", "Po", "At", "Rn", "Fr", "Ra"}
ELEMENTS = [e for e in PERIODIC_TABLE_TO_PU if e not in EXCLUDED]
assert len(PERIODIC_TABLE_TO_PU) == 94 and len(ELEMENTS) == 86

FORMULAS = ["Fe2O3", "NaCl", "Mg(SnN)2", "SiO2", "GaAs", "Al2O3", "MgO", "TiO2"]


# ----------------------------------------------------------------------------- safetensors
def read_safetensors(path):
    """{name: float32 ndarray}, metadata. F32 only."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype="<f4").reshape(info["shape"]).copy()
    return out, meta


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, array) written as F32 in this order."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, arr in tensors:
        a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)


# ----------------------------------------------------------------------------- the network
def parse_architecture(text):
    """'64x4D-...-4x1-1' -> (list of hidden widths, list of dropout positions, output width)."""
    tokens = text.split("-")
    widths, dropouts = [], []
    for token in tokens[:-1]:
        m = re.fullmatch(r"(\d+)x(\d+)(D?)", token)
        assert m, token
        widths += [int(m.group(1))] * int(m.group(2))
        if m.group(3):
            dropouts.append(len(widths))   # a dropout after this many hidden layers
    return widths, dropouts, int(tokens[-1])


class ElemNetShaped(nn.Module):
    """Dense ReLU layers then a linear output; dropouts (all keep probability 1) are identities and left out."""

    def __init__(self, architecture, n_in):
        super().__init__()
        widths, _, n_out = parse_architecture(architecture)
        dims = [n_in] + widths + [n_out]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x, pre_activations=None):
        for i, lin in enumerate(self.linears):
            x = lin(x)
            if i < len(self.linears) - 1:
                if pre_activations is not None:
                    pre_activations.append(x.detach())
                x = torch.relu(x)
        return x

    def load_engine_layout(self, params):
        """params: {'dense.i.weight': [in, out], 'dense.i.bias': [out]} (float32 arrays)."""
        with torch.no_grad():
            for i, lin in enumerate(self.linears):
                w, b = params["dense.%d.weight" % i], params["dense.%d.bias" % i]
                assert tuple(w.shape) == (lin.in_features, lin.out_features), (i, w.shape)
                lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)).double())
                lin.bias.copy_(torch.from_numpy(b).double())

    def engine_layout(self, of=lambda t: t):
        """[(name, float64 array)] in the engine's order and layout, of(tensor) applied to each parameter (copies)."""
        out = []
        for i, lin in enumerate(self.linears):
            out.append(("dense.%d.weight" % i, of(lin.weight).detach().numpy().T.copy()))
            out.append(("dense.%d.bias" % i, of(lin.bias).detach().numpy().copy()))
        return out


# ----------------------------------------------------------------------------- 1. one training step
def random_batch(rng):
    """ROWS compositions of 1-5 distinct elements with integer amounts 1-6, as float32 fractions."""
    x = np.zeros((ROWS, N_IN))
    for r in range(ROWS):
        k = rng.randint(1, 6)
        idx = rng.choice(N_IN, size=k, replace=False)
        amounts = rng.randint(1, 7, size=k).astype(np.float64)
        x[r, idx] = amounts / amounts.sum()
    y = rng.uniform(-3.0, 1.0, size=ROWS)   # formation-energy-like targets (eV/atom)
    return x.astype(np.float32), y.astype(np.float32)


def random_parameters(rng):
    """He-uniform weights [in, out] (limit sqrt(6/fan_in): with ElemNet's Glorot the signal all but
    dies in 17 layers this narrow), biases U(-0.1, 0.1) (non-zero, so a mis-placed bias shows), float32."""
    widths, _, n_out = parse_architecture(ARCHITECTURE)
    dims = [N_IN] + widths + [n_out]
    params = {}
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        limit = math.sqrt(6.0 / a)
        params["dense.%d.weight" % i] = rng.uniform(-limit, limit, size=(a, b)).astype(np.float32)
        params["dense.%d.bias" % i] = rng.uniform(-0.1, 0.1, size=b).astype(np.float32)
    return params


def adam_tf_by_hand(p, g):
    """TensorFlow's Adam (eps-hat), step 1 from zero moments, float64."""
    m = (1 - BETA1) * g
    v = (1 - BETA2) * g * g
    a1 = LEARNING_RATE * math.sqrt(1 - BETA2) / (1 - BETA1)
    return p - a1 * m / (np.sqrt(v) + EPSILON), m, v


def adam_pytorch_convention(p, g):
    """PyTorch's Adam (eps added to sqrt(v_hat)), step 1: only to count where the conventions differ."""
    m_hat = g
    v_hat = g * g
    return p - LEARNING_RATE * m_hat / (np.sqrt(v_hat) + EPSILON)


def training_step(seed):
    rng = np.random.RandomState(seed)
    params = random_parameters(rng)
    x32, y32 = random_batch(rng)
    model = ElemNetShaped(ARCHITECTURE, N_IN).double()
    model.load_engine_layout(params)
    x, y = torch.from_numpy(x32).double(), torch.from_numpy(y32).double()

    pre = []
    out = model(x, pre)
    loss = nn.L1Loss(reduction="mean")(out.squeeze(1), y)
    margin_pre = min(float(z.abs().min()) for z in pre)
    margin_loss = float((out.squeeze(1) - y).abs().min())
    # The same forward in float32 (torch's own kernels): how far float32 arithmetic moves the values
    # whose sign matters. The batch is rejected unless every sign is safe by a wide margin.
    model32 = ElemNetShaped(ARCHITECTURE, N_IN)
    model32.load_engine_layout(params)
    model32 = model32.float()
    pre32 = []
    out32 = model32(torch.from_numpy(x32), pre32)
    float32_error = max(max(float((a.double() - b).abs().max()) for a, b in zip(pre32, pre)),
                        float((out32.double() - out).abs().max()))
    if (min(margin_pre, margin_loss) < max(MARGIN, MARGIN_OVER_FLOAT32 * float32_error)
            or float(out.std()) < MIN_OUTPUT_STD):
        return None
    model.zero_grad()
    loss.backward()
    grads = model.engine_layout(lambda t: t.grad)
    before = model.engine_layout()

    # torch.optim.Adam with eps / sqrt(1 - b2^1) is TensorFlow's update for step 1 (see the header).
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(BETA1, BETA2),
                           eps=EPSILON / math.sqrt(1 - BETA2))
    opt.step()
    after = model.engine_layout()
    moments = {}
    for lin in model.linears:
        for t in (lin.weight, lin.bias):
            moments[id(t)] = opt.state[t]
    m_after = model.engine_layout(lambda t: moments[id(t)]["exp_avg"])
    v_after = model.engine_layout(lambda t: moments[id(t)]["exp_avg_sq"])

    differing, total, worst = 0, 0, 0.0
    for (name, p0), (_, g), (_, p1), (_, m1), (_, v1) in zip(before, grads, after, m_after, v_after):
        hand, hand_m, hand_v = adam_tf_by_hand(p0, g)
        worst = max(worst, float(np.abs(hand - p1).max()), float(np.abs(hand_m - m1).max()), float(np.abs(hand_v - v1).max()))
        differing += int((np.abs(adam_pytorch_convention(p0, g) - p1) > 1e-6).sum())
        total += p0.size
    assert worst < 1e-15, "torch.optim.Adam with the adjusted eps disagrees with the hand-written TF update: %g" % worst

    tensors = [("input", x32), ("target", y32), ("output", out.detach().numpy()[:, 0]),
               ("loss", np.array([loss.item()]))]
    tensors += [("param." + n, a) for n, a in before]
    tensors += [("grad." + n, a) for n, a in grads]
    tensors += [("adam.param." + n, a) for n, a in after]
    tensors += [("adam.m." + n, a) for n, a in m_after]
    tensors += [("adam.v." + n, a) for n, a in v_after]
    zero_grads = sum(int((g == 0).sum()) for _, g in grads)
    dead = sum(int(((z > 0).sum(0) == 0).sum()) for z in pre)
    stats = {"margin_pre_activation": margin_pre, "margin_prediction_target": margin_loss,
             "float32_forward_error": float32_error, "output_std": float(out.std()),
             "hidden_units_inactive_on_every_row": "%d of %d" % (dead, sum(z.shape[1] for z in pre)),
             "adam_pytorch_convention_differs_by_over_1e-6": "%d of %d parameters" % (differing, total),
             "zero_gradients": "%d of %d" % (zero_grads, total)}
    return tensors, stats


def make_reference():
    for seed in range(FIRST_SEED, FIRST_SEED + 1000):
        result = training_step(seed)
        if result is not None:
            break
    else:
        raise SystemExit("no seed met the margins")
    tensors, stats = result
    _, dropouts, _ = parse_architecture(ARCHITECTURE)
    metadata = {
        "generator": "tests/reference/make_elemnet_reference.py (PyTorch %s, float64)" % torch.__version__,
        "seed": str(seed),
        "architecture": ARCHITECTURE,
        "keep_probabilities": ",".join(["1"] * len(dropouts)),
        "input_width": str(N_IN),
        "rows": str(ROWS),
        "weight_layout": "in,out (y = x.W + b; the transpose of torch.nn.Linear.weight); biases [out]",
        "precision": "inputs and parameters are float32; computed in float64; stored rounded to float32",
        "loss": "mae: L = mean over rows of |output - target| (the engine sums into its loss buffer: divide by rows); "
                "dL/doutput = sign(output - target)/rows",
        "adam": "one step from zero moments, TensorFlow epsilon-hat: m = (1-b1) g, v = (1-b2) g^2, "
                "p -= lr*sqrt(1-b2)/(1-b1) * m/(sqrt(v) + eps); eps added to the uncorrected sqrt(v)",
        "adam_learning_rate": repr(LEARNING_RATE),
        "adam_beta1": repr(BETA1),
        "adam_beta2": repr(BETA2),
        "adam_epsilon": repr(EPSILON),
        "adam_hyperparameters": "the float32 values 1e-3f, 0.9f, 0.999f, 1e-6f widened to float64",
        "tensors": "input [rows,86]; target, output [rows]; loss [1]; param.*, grad.*, adam.param.*, adam.m.*, adam.v.* per dense.{i}.weight/bias",
    }
    metadata.update({k: str(v) for k, v in stats.items()})
    path = os.path.join(HERE, "elemnet_reference.safetensors")
    write_safetensors(path, tensors, metadata)
    print("wrote %s (%d bytes), seed %d" % (os.path.relpath(path, ROOT), os.path.getsize(path), seed))
    for k, v in stats.items():
        print("  %s: %s" % (k, v))


# ----------------------------------------------------------------------------- 2. the shipped model
_TOKEN = re.compile(r"([A-Z][a-z]?)|(\()|(\))|(\d+(?:\.\d+)?)")


def composition(formula):
    """{symbol: amount} of a formula with element symbols, counts and (nested) parentheses."""
    stack, pos = [{}], 0
    while pos < len(formula):
        m = _TOKEN.match(formula, pos)
        assert m, "cannot parse %r at %d" % (formula, pos)
        pos = m.end()
        symbol, opening, closing, _ = m.groups()
        count = 1.0
        n = _TOKEN.match(formula, pos)
        if (symbol or closing) and n and n.group(4):
            count = float(n.group(4))
            pos = n.end()
        if symbol:
            stack[-1][symbol] = stack[-1].get(symbol, 0.0) + count
        elif opening:
            stack.append({})
        elif closing:
            group = stack.pop()
            for k, v in group.items():
                stack[-1][k] = stack[-1].get(k, 0.0) + v * count
        else:
            raise AssertionError("count without an element in %r" % formula)
    assert len(stack) == 1, formula
    return stack[0]


def elemental_fractions(formula):
    comp = composition(formula)
    total = sum(comp.values())
    x = np.zeros(N_IN)
    for symbol, amount in comp.items():
        x[ELEMENTS.index(symbol)] = amount / total
    return x.astype(np.float32)


def shipped_predictions():
    folder = os.path.join(ROOT, "models", "elemnet-oqmd")
    with open(os.path.join(folder, "model.json")) as f:
        manifest = json.load(f)
    assert manifest["elements"] == ELEMENTS, "model.json's element order is not ElemNet's"
    assert manifest["feature_kind"] == "ef" and manifest["input_width"] == N_IN
    assert manifest["input_scaling"] == "none"
    params, meta = read_safetensors(os.path.join(folder, manifest["weights"]))
    assert meta.get("weight_layout", "").startswith("in,out"), meta
    model = ElemNetShaped(manifest["architecture"], N_IN).double()
    model.load_engine_layout(params)
    model.eval()
    x = torch.from_numpy(np.stack([elemental_fractions(f) for f in FORMULAS])).double()
    with torch.no_grad():
        y = model(x)[:, 0].numpy() * manifest["target_scale"] + manifest["target_offset"]
    result = {
        "generator": "tests/reference/make_elemnet_reference.py (PyTorch %s, float64)" % torch.__version__,
        "model": "models/elemnet-oqmd",
        "convention": "prediction = output * target_scale + target_offset; inputs = float32 elemental fractions",
        "predictions": {f: float(v) for f, v in zip(FORMULAS, y)},
    }
    path = os.path.join(HERE, "elemnet_oqmd_predictions.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("wrote %s" % os.path.relpath(path, ROOT))
    for formula, value in zip(FORMULAS, y):
        print('        ["%s"] = %.9f,' % (formula, value))


if __name__ == "__main__":
    torch.set_num_threads(1)
    make_reference()
    shipped_predictions()
