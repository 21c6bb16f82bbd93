"""The policy assistant: Shanghai and Jiading live-streaming policy questions and eligibility."""

__version__ = "0.1.0"
