"""examples/tool_use.epic in plain sequential Python: tasks, tool calls and nested questions
one after another."""

from __future__ import annotations

import re

from bench.baselines.openai_http import Client
from examples import agent_tools as tools

SYSTEM = (
    "You are a careful assistant with tools. To use a tool, write lines of the form\n"
    "CALL <tool>: <input>\n"
    "Tools: calculator (arithmetic), search (the local documents), "
    'convert (units, like "10 km in miles"),\n'
    "ask (a sub-question for an expert). When you know the answer, write ANSWER: <answer>."
)

TASKS = [
    "How many litres of rain fall on Lisbon in a year, and how many gallons is that?",
    "Which planet in the documents has the longest day, and how many hours is it?",
    "What is the boiling point of water at sea level in Fahrenheit, times 3?",
]

LOCAL_TOOLS = {
    "calculator": tools.calculate,
    "search": tools.search,
    "convert": tools.convert_units,
}


def parse_calls(reply: str) -> list[tuple[str, str]]:
    return [(tool, text.strip()) for tool, text in re.findall(r"CALL (\w+): (.*)", reply)]


def final_answer(reply: str) -> str:
    found = re.findall(r"ANSWER: (.*)", reply)
    return found[0].strip() if found else reply.strip()


def history_after(messages: list[dict], reply: str, calls: list, results: list) -> list[dict]:
    observation = "\n".join(f"{t}({i}) = {r}" for (t, i), r in zip(calls, results, strict=True))
    return messages + [
        {"role": "assistant", "content": reply},
        {"role": "user", "content": f"Tool results:\n{observation}"},
    ]


def ask_prompt(question: str) -> str:
    return f"Answer in one sentence: {question}"


def run_tool(client: Client, tool: str, text: str) -> str:
    if tool == "ask":
        return client.llm(ask_prompt(text), max_tokens=64).strip()
    if tool in LOCAL_TOOLS:
        return LOCAL_TOOLS[tool](text)
    return f"unknown tool `{tool}`"


def solve(client: Client, task: str, max_turns: int) -> str:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}]
    turns_left = max_turns
    while True:
        reply = client.llm_chat(messages, max_tokens=200)
        calls = parse_calls(reply)
        if not calls or turns_left == 0:
            return final_answer(reply)
        results = [run_tool(client, tool, text) for tool, text in calls]
        messages = history_after(messages, reply, calls, results)
        turns_left -= 1


def main(base_url: str, max_turns: int = 3) -> list[tuple[str, str]]:
    client = Client(base_url)
    try:
        return [(task, solve(client, task, max_turns)) for task in TASKS]
    finally:
        client.close()
