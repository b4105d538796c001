"""Numba kernels: ndarrays in, ndarrays out; they import only numpy and numba.

Every kernel is compiled lazily on its first call (``import growthkit`` stays fast), releases
the GIL (``nogil=True``) so that calls from a thread pool run in parallel, and has a naive
numpy/pandas twin it is compared with in the tests.
"""
