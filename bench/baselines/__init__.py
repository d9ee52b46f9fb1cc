"""Hand-written Python versions of the three case studies in examples/, for comparison.

Each case study has a plain sequential version (`*_sequential.py`, blocking httpx) and a
hand-optimised asyncio version (`*_async.py`, httpx.AsyncClient); both send exactly the HTTP
requests that the EPIC program sends, with the same prompts and parameters, through the thin
client in `openai_http.py`.
"""
