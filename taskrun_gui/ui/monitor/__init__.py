"""The Monitor tab: live system charts and the processes of the running runs."""

from taskrun_gui.ui.monitor.monitor_tab import MonitorTab

__all__ = ["MonitorTab"]
