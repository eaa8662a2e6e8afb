"""SimCLR: augmentations as tensor operations, the contrastive loss, the encoder + projection model, training and linear evaluation."""

from .augment import compute_train_transform, random_crop_flip
from .contrastive_loss import (
    compute_sim_matrix,
    sim,
    sim_positive_pairs,
    simclr_loss_naive,
    simclr_loss_vectorized,
)
from .model import Encoder, SimCLRModel, load_shipped_encoder
from .train import (
    accuracy,
    extract_features,
    knn_accuracy,
    linear_probe,
    make_optimizer,
    to_tensor,
    train,
    train_scratch,
    train_step,
)

__all__ = [
    "compute_train_transform",
    "random_crop_flip",
    "sim",
    "simclr_loss_naive",
    "sim_positive_pairs",
    "compute_sim_matrix",
    "simclr_loss_vectorized",
    "Encoder",
    "SimCLRModel",
    "load_shipped_encoder",
    "train",
    "make_optimizer",
    "to_tensor",
    "accuracy",
    "train_step",
    "train_scratch",
    "extract_features",
    "linear_probe",
    "knn_accuracy",
]
