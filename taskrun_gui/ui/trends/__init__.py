"""The Trends tab. Only the chart modules import pyqtgraph; trends_tab imports them on first show."""
