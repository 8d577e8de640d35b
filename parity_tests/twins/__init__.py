"""The twins run side by side: lockstep and free-running parity, exact mode, the engine's shortcuts."""
