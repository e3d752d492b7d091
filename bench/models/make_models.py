#!/usr/bin/python3
"""Writes the tiny ONNX models the ONNX Runtime peer of bench/FixedNorm.Benchmarks runs.

Run with Debian's python3 and python3-onnx (no other dependency):

    /usr/bin/python3 bench/models/make_models.py

Each model is one node with fixed shapes. Weights and statistics are graph inputs, not
initializers, so the benchmark feeds ONNX Runtime the very arrays it feeds the other peers.

- layernorm_RxC.onnx: LayerNormalization (opset 17), axis = -1, epsilon = 1e-5, affine
  (inputs X, Scale, B; output Y).
- batchnorm_infer_SHAPE.onnx: BatchNormalization (opset 15 semantics) in inference mode
  (inputs X, scale, B, input_mean, input_var; output Y).
- batchnorm_train_SHAPE.onnx: BatchNormalization with training_mode = 1, momentum = 0.9 (ONNX's
  convention: the weight of the old running value; PyTorch's and FixedNorm's 0.1). Outputs Y,
  running_mean, running_var; ONNX folds the population (biased) variance into running_var.

ONNX's BatchNormalization is channels-first only: the channels-last benchmark shape
[16, 32, 32, 64] (N, H, W, C) is given to ONNX Runtime as its NCHW transpose [16, 64, 32, 32].
"""

import os

import onnx
from onnx import TensorProto, helper

OPSET = 17
EPSILON = 1e-5
HERE = os.path.dirname(os.path.abspath(__file__))

LAYER_NORM_SHAPES = [(8, 3), (64, 768), (32, 4096), (16384, 768)]

# (file suffix, shape ONNX Runtime sees: channels at axis 1)
BATCH_NORM_SHAPES = [
    ("8x3", (8, 3)),
    ("256x64", (256, 64)),
    ("32x64x128", (32, 64, 128)),
    ("16x32x32x64_nchw", (16, 64, 32, 32)),
]


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def save(graph, file_name):
    model = helper.make_model(
        graph,
        producer_name="FixedNorm bench/models/make_models.py",
        opset_imports=[helper.make_opsetid("", OPSET)],
    )
    # IR version 8 (ONNX 1.12 / Debian's python3-onnx); ONNX Runtime reads it.
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    path = os.path.join(HERE, file_name)
    onnx.save(model, path)
    print(f"wrote {file_name} ({os.path.getsize(path)} bytes)")


def layer_norm(shape):
    features = shape[-1:]
    node = helper.make_node(
        "LayerNormalization", ["X", "Scale", "B"], ["Y"], axis=-1, epsilon=EPSILON, stash_type=1
    )
    graph = helper.make_graph(
        [node],
        "layernorm",
        [tensor("X", shape), tensor("Scale", features), tensor("B", features)],
        [tensor("Y", shape)],
    )
    save(graph, "layernorm_{}.onnx".format("x".join(map(str, shape))))


def batch_norm(suffix, shape, training):
    channels = (shape[1],)
    inputs = [
        tensor("X", shape),
        tensor("scale", channels),
        tensor("B", channels),
        tensor("input_mean", channels),
        tensor("input_var", channels),
    ]
    if training:
        node = helper.make_node(
            "BatchNormalization",
            ["X", "scale", "B", "input_mean", "input_var"],
            ["Y", "running_mean", "running_var"],
            epsilon=EPSILON,
            momentum=0.9,
            training_mode=1,
        )
        outputs = [tensor("Y", shape), tensor("running_mean", channels), tensor("running_var", channels)]
    else:
        node = helper.make_node(
            "BatchNormalization",
            ["X", "scale", "B", "input_mean", "input_var"],
            ["Y"],
            epsilon=EPSILON,
        )
        outputs = [tensor("Y", shape)]
    mode = "train" if training else "infer"
    graph = helper.make_graph([node], f"batchnorm_{mode}", inputs, outputs)
    save(graph, f"batchnorm_{mode}_{suffix}.onnx")


def main():
    for shape in LAYER_NORM_SHAPES:
        layer_norm(shape)
    for suffix, shape in BATCH_NORM_SHAPES:
        batch_norm(suffix, shape, training=False)
        batch_norm(suffix, shape, training=True)


if __name__ == "__main__":
    main()
