"""Where a transaction-level function runs: in memory, or on a distributed engine.

Every transaction-level function is four steps (see ``docs/scaling.md``)::

    args = _check_args(arguments, tx)        # argument checks, no data read
    log = as_transactions(tx, ...)           # the one validation and preparation
    parts = _partials(log, args)             # per-customer or per-period aggregates
    return _finish(parts, args)              # scores, ratios, the result object

and its module exposes those steps as a :class:`Spec`; the public function is
``run(SPEC, tx, locals())``. In memory :func:`run` takes the four steps in a row. On a
distributed frame it hands the spec to :func:`maybe_dispatch`, and the
engine validates every partition with the same :func:`~growthkit.prepare_transactions`,
maps ``_partials`` over partitions holding whole customers, reduces the partials
(:class:`PerCustomer` by concatenation, :class:`PerPeriod` by aligned sums) and calls
``_finish``.

This module is the whole interface: it imports no engine. An engine's implementation
(``growthkit._engine._dask``) is imported only when a frame of its type arrives, and it
never imports a domain module: it only sees the spec it is handed.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from growthkit._engine._spec import PerCustomer, PerPeriod, Spec
from growthkit._prepare import as_transactions

__all__ = ["PerCustomer", "PerPeriod", "Spec", "is_dask_frame", "maybe_dispatch", "run"]


def run(spec: Spec, tx: Any, arguments: Mapping[str, object]) -> Any:
    """The function of ``spec`` on ``tx``: in memory, or on the engine of ``tx``'s type.

    ``arguments`` are the public function's arguments (its ``locals()`` on entry).
    """
    if (out := maybe_dispatch(spec, tx, arguments)) is not None:
        return out
    args = spec.check_args({k: value for k, value in arguments.items() if k != "tx"}, tx)
    log = as_transactions(
        tx,
        customer_col=args["customer_col"],
        time_col=args["time_col"],
        amount_col=args["amount_col"],
    )
    return spec.finish(spec.partials(log, args), args)


def is_dask_frame(obj: object) -> bool:
    """Whether ``obj`` is a Dask DataFrame (checked by module name: imports nothing)."""
    module = type(obj).__module__
    return (
        (module == "dask" or module.startswith("dask."))
        and hasattr(obj, "to_delayed")
        and hasattr(obj, "columns")
    )


# Engines by the name of the function that is not a Spec (the experiments' unit tables).
_NAMED = {"ratio_stats_by_variant": "growthkit._engine._dask_stats"}


def maybe_dispatch(spec: Spec | str, tx: object, kwargs: Mapping[str, object]) -> Any | None:
    """Run ``spec`` on a distributed frame ``tx``, or return ``None`` for any other input.

    Parameters
    ----------
    spec
        The calling function's :class:`Spec`, or ``"ratio_stats_by_variant"``.
    tx
        The caller's data argument.
    kwargs
        The caller's arguments (``locals()`` at the top of the public function works: the
        entry holding ``tx`` itself is ignored).

    Returns
    -------
    object or None
        The in-memory function's result type, or ``None`` when ``tx`` is not a Dask frame.
    """
    if not is_dask_frame(tx):
        return None
    arguments = {key: value for key, value in kwargs.items() if value is not tx}
    if isinstance(spec, str):
        runner = getattr(importlib.import_module(_NAMED[spec]), spec)
        return runner(tx, **arguments)
    engine = importlib.import_module("growthkit._engine._dask")
    return engine.run(spec, tx, arguments)
