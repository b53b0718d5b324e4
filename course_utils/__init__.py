"""Helpers for the RNN workbook: one small module per concept.

    runtime    device(), seed_everything(), Timer
    layers     NumPy forward/backward layers with CS231n-compatible signatures
    gradcheck  rel_error and numeric gradients
    checks     exercise checks with friendly messages
    plots      the course's figures
    data       one module per data source

Nothing heavy is imported here: `import course_utils` does not import torch.
"""
