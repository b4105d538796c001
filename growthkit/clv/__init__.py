"""Customer-lifetime-value models (buy-till-you-die purchase models, spend, retention).

- :class:`BetaGeo` (BG/NBD), :class:`ModifiedBetaGeo` (MBG/NBD), :class:`ParetoNBD` --
  non-contractual purchase models fitted on ``frequency, recency, T`` summaries.
- :class:`BetaGeoBetaBinom` (BG/BB) -- discrete-time purchase opportunities.
- :class:`GammaGamma` -- spend per transaction.
- :class:`ShiftedBetaGeometric` -- contractual retention (sBG).
- :func:`customer_lifetime_value` -- discounted CLV per customer.
- :func:`holdout_comparison` -- predicted vs actual holdout purchases, by frequency bucket.
- :func:`frequency_recency_matrix` -- expected purchases or P(alive) over a frequency x
  recency grid; the CLV charts are in :mod:`growthkit.plotting`.

Every model is an immutable (frozen) dataclass returned by its ``fit`` classmethod.
"""

from growthkit.clv.bgbb import BetaGeoBetaBinom
from growthkit.clv.bgnbd import BetaGeo, ModifiedBetaGeo
from growthkit.clv.evaluation import HoldoutComparison, holdout_comparison
from growthkit.clv.gammagamma import GammaGamma
from growthkit.clv.matrix import frequency_recency_matrix
from growthkit.clv.paretonbd import ParetoNBD
from growthkit.clv.sbg import ShiftedBetaGeometric
from growthkit.clv.value import DAYS_PER_MONTH, customer_lifetime_value

__all__ = [
    "DAYS_PER_MONTH",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "GammaGamma",
    "HoldoutComparison",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "ShiftedBetaGeometric",
    "customer_lifetime_value",
    "frequency_recency_matrix",
    "holdout_comparison",
]
