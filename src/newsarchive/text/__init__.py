"""Chinese text handling shared by every stage: script folding, normalisation,
segmentation."""
