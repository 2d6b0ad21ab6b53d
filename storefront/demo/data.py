def load_demo() -> str:
    return "nothing to load yet"
