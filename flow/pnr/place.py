"""Global placement: which row each cell goes in and in what order, by recursive spectral
bisection of the cell graph (each cut splits a region's cells at the median of the Fiedler
vector, by width, alternating the cut direction with the region's shape). Deterministic:
fixed start vectors, ties broken by instance index."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import cg, lobpcg

# Nets wider than this (clock, reset, enables) say nothing about where a cell belongs and
# would make the graph dense.
MAX_PLACEMENT_FANOUT = 40
DENSE_BELOW = 400
CHAIN_WEIGHT = 1e-3


def cell_graph(n: int, nets: list[list[int]]) -> sp.csr_matrix:
    """Clique model: each pair on a k-pin net gets weight 1/(k-1)."""
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
    # A weak chain through the cells in netlist order keeps the graph connected, so the
    # Fiedler vector is never a degenerate mix of component indicators.
    chain = np.arange(n - 1)
    w = CHAIN_WEIGHT
    rows += list(chain) + list(chain + 1)
    cols += list(chain + 1) + list(chain)
    vals += [w] * (2 * (n - 1))
    a = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
    a.sum_duplicates()
    return a


def fiedler_order(adj: sp.csr_matrix, idx: np.ndarray) -> np.ndarray:
    """`idx` sorted by the Fiedler vector of its induced subgraph (a 1-D arrangement that
    keeps connected cells close)."""
    if len(idx) <= 2:
        return idx
    sub = adj[idx][:, idx]
    deg = np.asarray(sub.sum(axis=1)).ravel()
    # A small pull of every cell to the middle keeps isolated cells and separate components
    # well-posed without changing the ordering of a connected graph.
    eps = 1e-3 * (deg.mean() + 1e-9)
    lap = sp.diags(deg + eps) - sub
    n = len(idx)
    if n < DENSE_BELOW:
        _, vecs = np.linalg.eigh(lap.toarray())
        v = vecs[:, 1]
    else:
        # LOBPCG from a fixed start, Jacobi-preconditioned: a few hundred ms at 45k cells
        # where shift-invert ARPACK factorises the Laplacian.
        x0 = np.stack([np.ones(n), np.linspace(-1.0, 1.0, n)], axis=1)
        with warnings.catch_warnings():
            # An ordering needs the vector's shape, not 1e-6 accuracy.
            warnings.simplefilter("ignore", UserWarning)
            _, vecs = lobpcg(lap.tocsr(), x0, M=sp.diags(1.0 / (deg + eps)), largest=False,
                             maxiter=200, tol=1e-6)
        v = vecs[:, 1] - vecs[:, 1].mean()
    # The sign of an eigenvector is arbitrary: fix it so the order is reproducible.
    if v[np.argmax(np.abs(v))] < 0:
        v = -v
    key = np.round(v / (np.abs(v).max() + 1e-300), 9)
    return idx[np.lexsort((idx, key))]


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
               band_h: float) -> list[list[int]]:
    """Cells (indices) of each row, in left-to-right order, by recursive partitioning with
    quadratic placement (GORDIAN-style): every region's cells are placed by a sparse solve
    with the cells outside the region fixed where the previous level put them, sorted along
    the cut axis and split at the region's capacity share; regions taller than wide (band_h
    per row) are cut between rows, others across their width. All regions of a level are
    solved before the next, so each sees its neighbours' latest positions."""
    n = len(widths)
    deg = np.asarray(adj.sum(axis=1)).ravel()
    height = n_rows * band_h
    pos = np.tile([row_w / 2, height / 2], (n, 1)).astype(float)
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
