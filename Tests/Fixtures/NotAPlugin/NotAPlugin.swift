/// A shared library with no Shoal entry point.
public func notAPlugin() -> Int { 42 }
