"""Expressions and their expected values, run by the reference interpreter and by the real
evaluator in both modes: each prelude function, and each desugared construct."""

from __future__ import annotations

PRELUDE_CASES: list[tuple[str, object]] = [
    ("church_true(fn() => 1, fn() => 2)", 1),
    ("church_false(fn() => 1, fn() => 2)", 2),
    ("map(fn(x) => x * 2, [1, 2, 3])", [2, 4, 6]),
    ("map(fn(x) => x, [])", []),
    ("map(len, [[1], [], [1, 2, 3], [4]])", [1, 0, 3, 1]),
    ("filter(fn(n) => n % 2 == 0, range(10))", [0, 2, 4, 6, 8]),
    ("filter(fn(n) => n > 5, [1, 2])", []),
    ("fold(fn(acc, x) => acc * 10 + x, 0, [1, 2, 3])", 123),
    ("fold(fn(acc, x) => acc + x, 7, [])", 7),
    ("sum([1, 2, 3])", 6),
    ("sum([])", 0),
    ("sum([0.5, 1.5])", 2.0),
    ("any(fn(x) => x > 2, [1, 2, 3])", True),
    ("any(fn(x) => x > 5, [1, 2, 3])", False),
    ("any(fn(x) => x > 5, [])", False),
    ("all(fn(x) => x > 0, [1, 2, 3])", True),
    ("all(fn(x) => x > 1, [1, 2, 3])", False),
    ("all(fn(x) => x > 1, [])", True),
    ("count(fn(x) => x > 1, [1, 2, 3, 0, 5])", 3),
    ("find_first(fn(x) => x > 1, [1, 2, 3])", 2),
    ("find_first(fn(x) => x > 9, [1, 2, 3])", None),
    ('find_first(fn(x) => x > 9, [1, 2, 3], default="d")', "d"),
    ('zip([1, 2, 3], ["a", "b"])', [(1, "a"), (2, "b")]),
    ("zip([], [1])", []),
    ('enumerate(["a", "b"])', [(0, "a"), (1, "b")]),
    ("take(2, [1, 2, 3])", [1, 2]),
    ("take(-1, [1, 2, 3])", []),
    ("take(5, [1])", [1]),
    ('take(2, "abc")', "ab"),
    ("drop(1, [1, 2, 3])", [2, 3]),
    ("drop(0, [1, 2])", [1, 2]),
    ("drop(5, [1, 2])", []),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ("reverse([])", []),
    (
        'sort_by(fn(p) => p[0], [(2, "a"), (1, "b"), (2, "c"), (1, "d"), (0, "e")])',
        [(0, "e"), (1, "b"), (1, "d"), (2, "a"), (2, "c")],
    ),
    ("sort_by(fn(x) => -x, [3, 1, 2])", [3, 2, 1]),
    ("sort_by(fn(x) => x, [])", []),
    ('sort_by(len, ["ccc", "a", "bb", "d"])', ["a", "d", "bb", "ccc"]),
    ('max_by(fn(p) => p[1], [("a", 1), ("b", 3), ("c", 3)])', ("b", 3)),
    ('min_by(fn(p) => p[1], [("a", 2), ("b", 1), ("c", 1)])', ("b", 1)),
    ("max_by(fn(x) => x, [5])", 5),
    ("flatten([[1], [], [2, 3]])", [1, 2, 3]),
    ("flatten([])", []),
    ("flat_map(fn(x) => [x, x], [1, 2])", [1, 1, 2, 2]),
    ("iterate_until(fn(x) => x > 100, fn(x) => x * 2, 1)", 128),
    ("iterate_until(fn(x) => true, fn(x) => x * 2, 1)", 1),
    ("fix(fn(self) => fn(n) => if n == 0 then 1 else n * self(n - 1))(5)", 120),
]

# Programs (a `main` and helpers) for the desugared constructs.
PROGRAM_CASES: list[tuple[str, object]] = [
    (
        """
def classify(n) =
    if n < 0 then "negative"
    else if n == 0 then "zero"
    else "positive"

def main() = map(classify, [-3, 0, 5])
""",
        ["negative", "zero", "positive"],
    ),
    (
        """
def main() = [true and false, true and true, false or true, false or false, not true, not false]
""",
        [False, True, True, False, False, True],
    ),
    (
        """
def area(shape) =
    match shape with
        case {kind: "circle", r: r} => 3 * r ** 2
        case {kind: "rect", w: w, h: h} => w * h
        case _ => 0

def main() = map(area, [{kind: "circle", r: 2}, {kind: "rect", w: 2, h: 3}, {kind: "point"}])
""",
        [12, 6, 0],
    ),
    (
        """
def total(xs) =
    match xs with
        case [] => 0
        case [x, ...rest] => x + total(rest)

def main() = total([1, 2, 3, 4])
""",
        10,
    ),
    (
        """
def describe(v) =
    match v with
        case (0, y) => f"zero then {y}"
        case (x, _, _) => f"triple from {x}"
        case [a, b] => a + b
        case [h, ..._] => h
        case -1 => "minus one"
        case true => "yes"
        case none => "nothing"
        case "s" => "the letter s"
        case {a: {b: (p, q)}} => p * q
        case other => other

def main() =
    let values = [(0, 5), (1, 2, 3), [1, 2], [7, 8, 9], -1, true, none, "s"]
    map(describe, values + [{a: {b: (3, 4)}}, 4.5])
""",
        [
            "zero then 5",
            "triple from 1",
            3,
            7,
            "minus one",
            "yes",
            "nothing",
            "the letter s",
            12,
            4.5,
        ],
    ),
    (
        """
def x() = 1

def shadow(x) =
    match x with
        case (x, 1) => x
        case _ => x

def main() = [shadow((5, 1)), shadow((5, 2))]
""",
        [5, (5, 2)],
    ),
    (
        """
def add(a, b=10, c=a) = a + b + c

def main() =
    let p = 3 |> (fn(v) => v * 2)
    let s = f"{p} and {p:>4} {{x}}"
    let r = {n: 1, "two words": 2}
    let y = let z = 4 in z * z
    let calls = [add(1), add(1, c=0), add(1, 2, 3), add(b=0, a=2)]
    calls + [p, s, r.n, r["two words"], y, -p, 7 // 2, 2 ** 3]
""",
        [12, 11, 6, 4, 6, "6 and    6 {x}", 1, 2, 16, -6, 3, 8],
    ),
    (
        """
def main() = ([1, 2, 3][1:], "hello"[:2], [1, 2, 3][-1], 2 in [1, 2], 3 not in [1, 2], (1, "a"))
""",
        ([2, 3], "he", 3, True, True, (1, "a")),
    ),
    (
        """
def sign(n) =
    if n < 0 then
        let m = -n
        -1 * m // m
    else 1

def main() =
    let (a, [b, ...rest]) = (1, [2, 3, 4])
    let {k, v: value} = {k: "key", v: 5, w: 6}
    let r = {...{x: 1, y: 2}, y: 20, z: 30}
    let piped = [1, 2] |> map(fn(x) =>
        let y = x * value
        y + a, _)
    let t = let (p, q) = (b, rest) in p + len(q)
    [a, b, rest, k, value, r, piped, t, sign(-4), "y" in r, 2 |> range(_, 4)]
""",
        [1, 2, [3, 4], "key", 5, {"x": 1, "y": 20, "z": 30}, [6, 11], 4, -1, True, [2, 3]],
    ),
]
