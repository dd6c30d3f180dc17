"""Global placement: which row each cell goes in and in what order, by recursive partitioning
with quadratic placement, then a detailed pass within the rows. Deterministic: fixed start
vectors, ties broken by instance index."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import cg

# Nets wider than this (clock, reset, enables) say nothing about where a cell belongs and
# would make the graph dense.
MAX_PLACEMENT_FANOUT = 40
CHAIN_WEIGHT = 1e-3
REFINE_PASSES = 6


def cell_graph(n: int, nets: list[list[int]], n_cells: int | None = None) -> sp.csr_matrix:
    """Clique model: each pair on a k-pin net gets weight 1/(k-1). Nodes from `n_cells` on
    are fixed anchors (the block's ports), outside the chain."""
    n_cells = n if n_cells is None else n_cells
    rows, cols, vals = [], [], []
    for pins in nets:
        k = len(pins)
        if k < 2 or k > MAX_PLACEMENT_FANOUT:
            continue
        w = 1.0 / (k - 1)
        for i in range(k):
            for j in range(i + 1, k):
                rows += [pins[i], pins[j]]
                cols += [pins[j], pins[i]]
                vals += [w, w]
    # A weak chain through the cells in netlist order keeps every region's system
    # well-posed even for cells with no net inside it.
    chain = np.arange(n_cells - 1)
    w = CHAIN_WEIGHT
    rows += list(chain) + list(chain + 1)
    cols += list(chain + 1) + list(chain)
    vals += [w] * (2 * (n_cells - 1))
    a = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    a.sum_duplicates()
    return a


def _cut(cum: np.ndarray, frac: float) -> int:
    """How many cells (in order) fill `frac` of the total width most closely; rounding to
    the nearest cell, not always down, so small regions do not all lean the same way."""
    target = frac * cum[-1]
    k = int(np.searchsorted(cum, target))
    if k < len(cum) and (k == 0 or cum[k] - target < target - cum[k - 1]):
        k += 1
    return k


def _solve(adj: sp.csr_matrix, deg: np.ndarray, idx: np.ndarray, pos: np.ndarray,
           anchor: float) -> np.ndarray:
    """Quadratic placement of the region's cells along one axis: minimise the squared
    length of their connections, neighbours outside the region fixed at their current
    coordinate `pos`, plus a weak pull to the region's centre `anchor`."""
    sub = adj[idx]
    inside = np.zeros(adj.shape[0], dtype=bool)
    inside[idx] = True
    ext = sub[:, ~inside]
    b = ext @ pos[~inside]
    a = sub[:, idx]
    eps = 1e-3 * (deg[idx].mean() + 1e-9)
    lap = sp.diags(deg[idx] + eps) - a
    b = b + eps * anchor
    x0 = np.full(len(idx), anchor)
    x, _ = cg(lap.tocsr(), b, x0=x0, rtol=1e-5, maxiter=300)
    return x


def place_rows(widths: np.ndarray, adj: sp.csr_matrix, n_rows: int, row_w: float,
               band_h: float, anchors: np.ndarray | None = None) -> list[list[int]]:
    """Cells (indices) of each row, in left-to-right order, by recursive partitioning with
    quadratic placement (GORDIAN-style): every region's cells are placed by a sparse solve
    with the cells outside the region fixed where the previous level put them, sorted along
    the cut axis and split at the region's capacity share; regions taller than wide (band_h
    per row) are cut between rows, others across their width. All regions of a level are
    solved before the next, so each sees its neighbours' latest positions. `anchors` are the
    fixed (x, y) of the graph's nodes after the cells (ports), as fractions of the block."""
    n = len(widths)
    deg = np.asarray(adj.sum(axis=1)).ravel()
    height = n_rows * band_h
    pos = np.tile([row_w / 2, height / 2], (adj.shape[0], 1)).astype(float)
    if anchors is not None and len(anchors):
        pos[n:] = anchors * [row_w, height]
    # Regions: (cells, row0, row1, x0, x1).
    level = [(np.arange(n), 0, n_rows, 0.0, row_w)]
    leaves: list[tuple[int, float, np.ndarray]] = []
    while level:
        nxt = []
        for idx, r0, r1, x0, x1 in level:
            if len(idx) == 0:
                continue
            horizontal = r1 - r0 > 1 and (r1 - r0) * band_h >= (x1 - x0)
            if r1 - r0 == 1 and len(idx) <= 2:
                order = idx[np.lexsort((idx, pos[idx, 0]))]
                leaves.append((r0, x0, order))
                continue
            axis = 1 if horizontal else 0
            mid = ((r0 + r1) / 2 * band_h) if horizontal else (x0 + x1) / 2
            x = _solve(adj, deg, idx, pos[:, axis], mid)
            order = idx[np.lexsort((idx, np.round(x, 6)))]
            cum = np.cumsum(widths[order])
            if horizontal:
                rm = (r0 + r1) // 2
                k = _cut(cum, (rm - r0) / (r1 - r0))
                lo, hi = order[:k], order[k:]
                pos[lo, 1] = (r0 + rm) / 2 * band_h
                pos[hi, 1] = (rm + r1) / 2 * band_h
                nxt += [(lo, r0, rm, x0, x1), (hi, rm, r1, x0, x1)]
            else:
                k = _cut(cum, 0.5)
                xm = (x0 + x1) / 2
                lo, hi = order[:k], order[k:]
                pos[lo, 0] = (x0 + xm) / 2
                pos[hi, 0] = (xm + x1) / 2
                nxt += [(lo, r0, r1, x0, xm), (hi, r0, r1, xm, x1)]
        level = nxt
    rows: list[list[int]] = [[] for _ in range(n_rows)]
    for r, _x0, order in sorted(leaves, key=lambda t: (t[0], t[1])):
        rows[r].extend(int(i) for i in order)
    return rows


def refine_rows(rows: list[list[int]], widths: np.ndarray, adj: sp.csr_matrix,
                anchors: np.ndarray | None = None,
                passes: int = REFINE_PASSES) -> list[list[int]]:
    """Detailed placement within rows: each pass re-sorts every row by the weighted mean x of
    each cell's neighbours (half its own x, against oscillation), with x the cell's centre in
    its packed row. Shorter row segments mean fewer met3 tracks per row."""
    rows = [list(r) for r in rows]
    deg = np.asarray(adj.sum(axis=1)).ravel()
    x = np.zeros(adj.shape[0])
    span = max((float(widths[r].sum()) for r in rows if r), default=0.0)
    if anchors is not None and len(anchors):
        x[len(widths):] = anchors[:, 0] * span
    for _ in range(passes):
        for r in rows:
            if r:
                w = widths[r]
                x[r] = np.cumsum(w) - w / 2
        pull = (adj @ x + 1e-12 * x) / (deg + 1e-12)
        key = 0.5 * x + 0.5 * np.where(deg > 0, pull, x)
        rows = [sorted(r, key=lambda i: (round(float(key[i]), 6), i)) for r in rows]
    return rows
