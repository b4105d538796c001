"""A/B-test statistics that run from aggregates, vectorised over many comparisons.

Every test takes scalars or equal-length arrays (one element per metric x segment
comparison) and returns arrays, so ten thousand comparisons run in one call. The inputs are
sufficient statistics -- counts, sums, sums of squares, cross-products -- that a warehouse
query can produce; helpers compute them from raw arrays or a DataFrame where that is handy.

Variant B is compared with control A and every ``effect`` is **B minus A**. ``alternative``
follows scipy: ``"greater"`` is the alternative hypothesis B > A, ``"less"`` is B < A.

Scalar input gives result fields that are 0-d float64 arrays: ``float(res.pvalue)`` and
f-strings work on them, and the same code handles array input unchanged.

Vocabulary (the same in every function):

- ``alpha``: the significance level of a frequentist test, in (0, 1); its confidence
  intervals (and confidence sequences) have level ``1 - alpha``, one-sided when
  ``alternative`` is. No function here takes a separate ``confidence_level``: one number
  sets both, so test and interval always agree.
- ``credible_level``: the level of Bayesian credible intervals (``bayes_*``), in (0, 1).
- ``rng``: a ``numpy.random.Generator`` or anything ``numpy.random.default_rng`` accepts
  (an int seed, ``None`` for fresh entropy), as in scipy.

Result objects are frozen dataclasses with read-only arrays; they compare with ``==``
(arrays exactly) and survive a pickle round-trip.

Where things live (all modules are private; import from here):

==========================  ===========================================================
``_results``                :class:`ComparisonResult` (every frequentist comparison)
``_proportions``            :func:`proportion_test`
``_means``                  :func:`mean_test`, :func:`mean_test_samples`
``_ratio``                  :class:`RatioStats`, :func:`ratio_stats`,
                            :func:`ratio_stats_by_variant`, :func:`ratio_test`
``_cuped``                  :class:`CupedResult`, :func:`cuped`, :func:`cuped_test`
``_srm``                    :class:`SRMResult`, :func:`srm_test`
``_power``                  :class:`SampleSizeResult`, :func:`power`, :func:`sample_size`
``_bayes``                  :class:`BayesResult`, :func:`bayes_proportion`,
                            :func:`bayes_mean`
``_sequential``             :class:`SequentialResult`, :func:`sequential_test`,
                            :func:`optimal_mixing_variance`
``_sequential_exact``       :func:`sequential_proportion_test`
``_group_sequential``       :class:`GroupSequentialBoundaries`,
                            :func:`group_sequential_boundaries`
``_multiplicity``           :func:`adjust_pvalues`
``_campaign``               :class:`CampaignResult`, :func:`campaign_lift`
``_bootstrap``              :func:`bootstrap_quantile_test`
``_common``                 result base class (``==``, pickling), shared checks
``_numerics``, ``_beta``,   private numerics: p-values and critical values, beta
``_boundaries``,            posteriors (with the compiled loop in
``_resample``               ``growthkit._kernels.experiments``), spending boundaries,
                            bootstrap quantiles
==========================  ===========================================================

Input checks come from :mod:`growthkit._validate`: a wrong kind of input (text, a bad
``alternative``) is a ``SchemaError``, a wrong value (NaN, negative, out of range) a
``DataError``.

See ``docs/experiments.md`` for definitions, formulas, references and the measured type-I
error of the sequential test under continuous monitoring.
"""

from growthkit._validate import Alternative
from growthkit.experiments._bayes import BayesResult, bayes_mean, bayes_proportion
from growthkit.experiments._bootstrap import bootstrap_quantile_test
from growthkit.experiments._campaign import CampaignResult, campaign_lift
from growthkit.experiments._cuped import CupedResult, cuped, cuped_test
from growthkit.experiments._group_sequential import (
    GroupSequentialBoundaries,
    group_sequential_boundaries,
)
from growthkit.experiments._group_sequential import Spending as Spending
from growthkit.experiments._means import mean_test, mean_test_samples
from growthkit.experiments._multiplicity import AdjustMethod as AdjustMethod
from growthkit.experiments._multiplicity import adjust_pvalues
from growthkit.experiments._power import Metric as Metric
from growthkit.experiments._power import SampleSizeResult, power, sample_size
from growthkit.experiments._proportions import proportion_test
from growthkit.experiments._ratio import RatioStats, ratio_stats, ratio_stats_by_variant, ratio_test
from growthkit.experiments._results import ComparisonResult
from growthkit.experiments._sequential import (
    SequentialResult,
    optimal_mixing_variance,
    sequential_test,
)
from growthkit.experiments._sequential_exact import sequential_proportion_test
from growthkit.experiments._srm import SRMResult, srm_test

__all__ = [
    "Alternative",
    "BayesResult",
    "CampaignResult",
    "ComparisonResult",
    "CupedResult",
    "GroupSequentialBoundaries",
    "RatioStats",
    "SRMResult",
    "SampleSizeResult",
    "SequentialResult",
    "adjust_pvalues",
    "bayes_mean",
    "bayes_proportion",
    "bootstrap_quantile_test",
    "campaign_lift",
    "cuped",
    "cuped_test",
    "group_sequential_boundaries",
    "mean_test",
    "mean_test_samples",
    "optimal_mixing_variance",
    "power",
    "proportion_test",
    "ratio_stats",
    "ratio_stats_by_variant",
    "ratio_test",
    "sample_size",
    "sequential_proportion_test",
    "sequential_test",
    "srm_test",
]
