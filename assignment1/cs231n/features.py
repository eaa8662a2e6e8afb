"""Hand-crafted image features: histogram of oriented gradients (HOG) and an HSV hue histogram, plus a helper that stacks them for many images."""

import numpy as np
from tqdm.auto import tqdm


def extract_features(imgs, feature_fns, verbose=False):
    """
    Given pixel data for images and several feature functions that can operate on
    single images, apply all feature functions to all images, concatenating the
    feature vectors for each image and storing the features for all images in
    a single matrix.

    Inputs:
    - imgs: N x H x W x C array of pixel data for N images.
    - feature_fns: List of k feature functions. The ith feature function should
      take as input an H x W x D array and return a (one-dimensional) array of
      length F_i.
    - verbose: Boolean; if true, show a progress bar.

    Returns:
    An array of shape (N, F_1 + ... + F_k) where each column is the concatenation
    of all features for a single image.
    """
    imgs = np.asarray(imgs)
    assert imgs.ndim == 4, f"imgs must have shape (N, H, W, C); got {imgs.shape}"
    num_images = imgs.shape[0]
    if num_images == 0:
        return np.array([])

    # Use the first image to determine feature dimensions
    feature_dims = []
    first_image_features = []
    for feature_fn in feature_fns:
        feats = np.asarray(feature_fn(imgs[0])).ravel()
        feature_dims.append(feats.size)
        first_image_features.append(feats)

    # Now that we know the dimensions of the features, we can allocate a single
    # big array to store all features as columns.
    total_feature_dim = sum(feature_dims)
    imgs_features = np.zeros((num_images, total_feature_dim))
    imgs_features[0] = np.hstack(first_image_features)

    # Extract features for the rest of the images.
    offsets = np.cumsum([0] + feature_dims)
    for i in tqdm(range(1, num_images), disable=not verbose, desc="features", unit="img"):
        for feature_fn, start, end in zip(feature_fns, offsets[:-1], offsets[1:]):
            imgs_features[i, start:end] = np.asarray(feature_fn(imgs[i])).ravel()

    return imgs_features


def rgb2gray(rgb):
    """Convert an RGB image (H, W, 3) to grayscale (H, W) with the ITU-R 601 luma weights."""
    return np.dot(rgb[..., :3], [0.299, 0.587, 0.114])


def hog_feature(im, orientations=9, pixels_per_cell=8):
    """Compute a Histogram of Oriented Gradients (HOG) feature for an image.

    Modified from skimage.feature.hog's idea (Dalal and Triggs, CVPR 2005), without
    block normalisation: the image is cut into cells of pixels_per_cell x
    pixels_per_cell pixels, and each cell gets a histogram of gradient
    orientations (unsigned, 0..180 degrees, `orientations` equal bins) weighted by
    the gradient magnitude and divided by the number of pixels in the cell.

    Gradients are forward differences (g[r, c] = I[r, c+1] - I[r, c] along x, and
    likewise along y), zero in the last column/row. A vertical edge thus gives a
    gradient along x, orientation 0 degrees, and lands in bin 0; a horizontal
    edge lands in the bin holding 90 degrees.

    Inputs:
    - im: an input grayscale (H, W) or RGB (H, W, 3) image

    Returns:
    - feat: Histogram of Oriented Gradients feature, of shape
      (H // pixels_per_cell * W // pixels_per_cell * orientations,), ordered by
      cell row, cell column, then orientation bin.
    """
    im = np.asarray(im, dtype=np.float64)
    if im.ndim == 3:
        image = rgb2gray(im)
    elif im.ndim == 2:
        image = im
    else:
        raise ValueError(f"hog_feature expects an (H, W) or (H, W, 3) image; got shape {im.shape}")

    H, W = image.shape
    cell = pixels_per_cell
    ncy, ncx = H // cell, W // cell  # number of cells down and across
    assert ncy > 0 and ncx > 0, f"image {image.shape} is smaller than one {cell}x{cell} cell"

    gx = np.zeros_like(image)
    gy = np.zeros_like(image)
    gx[:, :-1] = np.diff(image, axis=1)  # (H, W) gradient along x (columns)
    gy[:-1, :] = np.diff(image, axis=0)  # (H, W) gradient along y (rows)
    mag = np.sqrt(gx**2 + gy**2)
    ang = np.rad2deg(np.arctan2(gy, gx)) % 180.0  # unsigned orientation in [0, 180)
    bins = np.minimum((ang * (orientations / 180.0)).astype(np.int64), orientations - 1)

    # Keep whole cells only, then accumulate magnitudes per (cell_row, cell_col, bin).
    mag = mag[: ncy * cell, : ncx * cell]
    bins = bins[: ncy * cell, : ncx * cell]
    cell_row = (np.arange(ncy * cell) // cell)[:, None]  # (H', 1)
    cell_col = (np.arange(ncx * cell) // cell)[None, :]  # (1, W')
    index = (cell_row * ncx + cell_col) * orientations + bins  # (H', W')
    hist = np.bincount(index.ravel(), weights=mag.ravel(), minlength=ncy * ncx * orientations)
    return hist / float(cell * cell)


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """
    Compute a color histogram of the hue channel of an image, using HSV.

    Inputs:
    - im: H x W x C array of pixel data for an RGB image.
    - nbin: Number of histogram bins. (default: 10)
    - xmin: Minimum pixel value (default: 0)
    - xmax: Maximum pixel value (default: 255)
    - normalized: Whether to normalize the histogram (default: True): the
      bins then hold fractions of the pixels and sum to 1; otherwise counts.

    Returns:
      1D vector of length nbin giving the color histogram over the hue of the
      input image. Hue 0 (red, and also any gray pixel) falls in bin 0, pure green
      (hue 1/3) in bin floor(nbin / 3), pure blue (hue 2/3) in bin floor(2 nbin / 3).
    """
    im = np.asarray(im, dtype=np.float64)
    if im.ndim != 3 or im.shape[2] < 3:
        raise ValueError(f"color_histogram_hsv expects an RGB image of shape (H, W, 3); got {im.shape}")
    assert xmax > xmin, f"xmax ({xmax}) must be larger than xmin ({xmin})"
    rgb = (im[..., :3] - xmin) / float(xmax - xmin)  # (H, W, 3) in [0, 1]
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    cmax = rgb.max(axis=2)
    delta = cmax - rgb.min(axis=2)
    safe = np.where(delta > 0, delta, 1.0)
    # Hue in sixths of a turn, by which channel is largest; gray pixels (delta 0) get hue 0.
    hue = np.where(cmax == r, ((g - b) / safe) % 6.0, np.where(cmax == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    hue = np.where(delta > 0, hue / 6.0, 0.0)  # (H, W) in [0, 1)
    idx = np.clip((hue * nbin).astype(np.int64), 0, nbin - 1)
    imhist = np.bincount(idx.ravel(), minlength=nbin).astype(np.float64)
    if normalized:
        imhist /= idx.size
    return imhist
