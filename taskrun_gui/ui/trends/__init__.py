"""The Trends tab: only the chart modules import pyqtgraph, and trends_tab loads them on
first show."""
