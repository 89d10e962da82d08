"""Campaign results per segment: conversion per variant, lift with its confidence interval,
a test corrected for testing many segments, and the sample size a verdict would need."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
