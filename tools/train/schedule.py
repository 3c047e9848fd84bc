"""The learning-rate schedule both training stages use."""
import math


def warmup_cosine(step: int, total: int, peak: float, max_warmup: int) -> float:
    """Linear warm-up over min(max_warmup, total/10) steps, then a cosine from `peak` down to 5% of it at `total`."""
    warm = max(1, min(max_warmup, total // 10))
    if step < warm:
        return peak * (step + 1) / warm
    t = (step - warm) / max(1, total - warm)
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))
