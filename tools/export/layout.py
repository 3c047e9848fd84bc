"""Visual-token layout of the worker's pipeline, in numpy, for the parity check.

LLaVA-NeXT AnyRes: choose the pinpoint, stitch the crops into one grid, drop padding rows/columns, append the
newline embedding after every row, prepend the base view. These follow the published algorithm (LLaVA-NeXT's
`spatial_unpad`, as transformers implements it, with its rounding) so that the count of visual tokens matches
the checkpoint's processor exactly.
"""

from __future__ import annotations

import numpy as np


def select_best_resolution(image_hw: tuple[int, int], pinpoints) -> tuple[int, int]:
    """Pinpoint (h, w) maximising the effective downscaled resolution, ties broken by least wasted area."""
    height, width = image_hw
    best, best_effective, best_waste = None, -1, float("inf")
    for cand_h, cand_w in pinpoints:
        scale = min(cand_w / width, cand_h / height)
        down_w, down_h = int(width * scale), int(height * scale)
        effective = min(down_w * down_h, width * height)
        waste = cand_w * cand_h - effective
        if effective > best_effective or (effective == best_effective and waste < best_waste):
            best, best_effective, best_waste = (int(cand_h), int(cand_w)), effective, waste
    return best


def anyres_grid(image_hw, pinpoints, view_size: int) -> tuple[int, int]:
    """(rows, cols) of view_size crops for an image of (height, width)."""
    best_h, best_w = select_best_resolution(image_hw, pinpoints)
    return best_h // view_size, best_w // view_size


def anyres_view_count(image_hw, pinpoints, view_size: int) -> int:
    rows, cols = anyres_grid(image_hw, pinpoints, view_size)
    return 1 + rows * cols


def unpad_bounds(image_hw, grid_hw) -> tuple[slice, slice]:
    """Rows/columns of the stitched grid that show image rather than padding."""
    height, width = image_hw
    cur_h, cur_w = grid_hw
    if width / height > cur_w / cur_h:
        new_h = int(round(height * (cur_w / width), 7))
        pad = (cur_h - new_h) // 2
        return slice(pad, cur_h - pad), slice(0, cur_w)
    new_w = int(round(width * (cur_h / height), 7))
    pad = (cur_w - new_w) // 2
    return slice(0, cur_h), slice(pad, cur_w - pad)


def stitch_anyres(view_tokens: np.ndarray, image_hw, pinpoints, view_size: int, grid: int,
                  newline: np.ndarray) -> np.ndarray:
    """view_tokens [V, grid*grid, D] (view 0 = base image, then crops row-major) -> [N, D]."""
    rows, cols = anyres_grid(image_hw, pinpoints, view_size)
    dim = view_tokens.shape[-1]
    base = view_tokens[0]
    crops = view_tokens[1:1 + rows * cols].reshape(rows, cols, grid, grid, dim)
    stitched = crops.transpose(0, 2, 1, 3, 4).reshape(rows * grid, cols * grid, dim)
    keep_rows, keep_cols = unpad_bounds(image_hw, stitched.shape[:2])
    stitched = stitched[keep_rows, keep_cols]
    newlines = np.broadcast_to(newline.astype(stitched.dtype), (stitched.shape[0], 1, dim))
    with_newlines = np.concatenate([stitched, newlines], axis=1).reshape(-1, dim)
    return np.concatenate([base, with_newlines], axis=0)


def splice_visual(embeds: np.ndarray, input_ids: np.ndarray, image_token_id: int, visual: np.ndarray) -> np.ndarray:
    """Put the visual tokens at the image-token positions of [1, T, D] embeddings (in order)."""
    positions = np.nonzero(input_ids[0] == image_token_id)[0]
    if len(positions) != visual.shape[0]:
        raise ValueError(f"prompt has {len(positions)} image tokens but the image gives {visual.shape[0]} visual tokens")
    out = embeds.copy()
    out[0, positions] = visual.astype(out.dtype)
    return out
