"""`onnxruntime.capi`: where CPython code imports the native exception classes from."""
