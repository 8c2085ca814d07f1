"""Analyses of trained models against what the synthetic benchmark knows exactly (its ground-truth motion).

``motion``: the MS module's displacement maps against the true motion per class (Fig. 6 and the motion check).
"""
