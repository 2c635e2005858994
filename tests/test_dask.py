"""mitchell on dask arrays: ufuncs chunk by chunk, matmul blockwise with a tree sum over K.

Expected values come from the in-memory functions (themselves tested in
test_matmul.py / the foundation tests): with one chunk along K the dask
product must equal the in-memory one bit for bit; with several, the partial
sums are added in another order, so float results agree to rounding and
int32 results exactly.  One test runs on a LocalCluster with worker
processes, so the functions and results really travel between processes.
"""

import numpy as np
import pytest

import mitchell

da = pytest.importorskip("dask.array")


def test_ufuncs_on_dask_arrays_stay_lazy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 30)).astype(np.float32)
    y = rng.standard_normal((40, 30)).astype(np.float32)
    dx, dy = da.from_array(x, chunks=(16, 7)), da.from_array(y, chunks=(16, 7))
    for ufunc in (mitchell.mul, mitchell.div):
        lazy = ufunc(dx, dy)
        assert isinstance(lazy, da.Array)
        assert lazy.chunks == dx.chunks
        assert np.array_equal(lazy.compute(scheduler="threads"), ufunc(x, y))


def test_matmul_one_k_chunk_is_bit_exact():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((50, 60)).astype(np.float32)
    b = rng.standard_normal((60, 45)).astype(np.float32)
    lazy = mitchell.matmul(da.from_array(a, chunks=(16, 60)), da.from_array(b, chunks=(60, 20)))
    assert isinstance(lazy, da.Array) and lazy.dtype == np.float32
    assert lazy.chunks == ((16, 16, 16, 2), (20, 20, 5))
    assert np.array_equal(lazy.compute(scheduler="threads"), mitchell.matmul(a, b))


@pytest.mark.parametrize("shapes", [((50, 70), (70, 30)), ((70,), (70, 30)), ((50, 70), (70,)),
                                    ((3, 20, 70), (3, 70, 10))], ids=str)
def test_matmul_tree_sum_over_k_chunks(shapes):
    rng = np.random.default_rng(2)
    a = rng.uniform(0.5, 2, shapes[0]).astype(np.float32)
    b = rng.uniform(0.5, 2, shapes[1]).astype(np.float32)
    chunks_a = tuple(min(s, 16) for s in a.shape)
    chunks_b = tuple(min(s, 16) for s in b.shape)
    lazy = mitchell.matmul(da.from_array(a, chunks=chunks_a), da.from_array(b, chunks=chunks_b))
    in_memory = mitchell.matmul(a, b)
    result = lazy.compute(scheduler="threads")
    assert result.shape == in_memory.shape and result.dtype == in_memory.dtype
    # positive terms: any summation order is within K roundings of 2^-24
    assert np.allclose(result, in_memory, rtol=70 * 2.0 ** -24, atol=0)


def test_int8_matmul_with_k_chunks_is_exact():
    rng = np.random.default_rng(3)
    a = rng.integers(-128, 128, (30, 100)).astype(np.int8)
    b = rng.integers(-128, 128, (100, 20)).astype(np.int8)
    lazy = mitchell.matmul(da.from_array(a, chunks=(10, 32)), da.from_array(b, chunks=(32, 10)))
    assert lazy.dtype == np.int32
    assert np.array_equal(lazy.compute(scheduler="threads"), mitchell.matmul(a, b))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="mismatch"):
        mitchell.matmul(da.ones((3, 4), chunks=2), da.ones((5, 2), chunks=2))


def test_local_cluster_with_worker_processes():
    distributed = pytest.importorskip("distributed")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((64, 96)).astype(np.float32)
    b = rng.standard_normal((96, 48)).astype(np.float32)
    x = rng.standard_normal((64, 48)).astype(np.float32)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        da_a = da.from_array(a, chunks=(32, 96))
        da_b = da.from_array(b, chunks=(96, 16))
        da_x = da.from_array(x, chunks=(32, 16))
        product, quotient = client.compute([mitchell.matmul(da_a, da_b), mitchell.div(da_x, da_x + 3)],
                                           sync=True)
        pids = client.run(lambda: __import__("os").getpid())
    assert len(set(pids.values())) == 2
    assert np.array_equal(product, mitchell.matmul(a, b))
    assert np.array_equal(quotient, mitchell.div(x, x + 3))
