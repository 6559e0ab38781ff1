"""ocppgen: typed OCPP bindings generated from the official schemas, and an OCPP-J runtime."""

from pathlib import Path


def __getattr__(name: str) -> str:
    """`__version__`, read from the installed metadata on first use (the one place the version is
    written is pyproject.toml): importlib.metadata costs about 25 ms, which every `import
    ocppgen.generated...` would otherwise pay."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ocppgen")
    except PackageNotFoundError:  # imported from a tree that was never installed
        return "0+unknown"


# In a checkout, the subpackages are the folders beside this one (pyproject.toml maps them:
# ocppgen.runtime is runtime/); installed, they are inside it. The checkout's root joins the
# package's path so that `import ocppgen.runtime` works there without an install (pytest, scripts).
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "runtime" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))
