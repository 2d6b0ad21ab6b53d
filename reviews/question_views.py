"""Shoppers' pages for questions: ask, answer from an invitation, vote. (Being built.)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("question_pages", __name__)
