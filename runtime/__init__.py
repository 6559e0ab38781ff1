"""The OCPP-J runtime: sans-IO core, error codes, asyncio endpoints."""
