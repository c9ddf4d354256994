"""xxgk: 政府信息公开工作年度报告 toolchain."""

__version__ = "0.1.0"
