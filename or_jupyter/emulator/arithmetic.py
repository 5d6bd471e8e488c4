"""Find arithmetic in a prompt and evaluate it safely (an AST walk, never ``eval``)."""

from __future__ import annotations

import ast
import operator
import re

# A run of numbers joined by operators, optionally parenthesised: "10*5", "(2 + 3) ^ 2", "7 / 2".
_EXPRESSION = re.compile(
    r"[(\s]*-?\d+(?:\.\d+)?[)\s]*(?:(?:\*\*|[-+*/%^×÷])[(\s]*-?\d+(?:\.\d+)?[)\s]*)+"
)
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_DASHED = re.compile(r"\d+(?:-\d+)+")
_OPERATOR = re.compile(r"\d\s*[)]*\s*(?:[-+*/%^×÷])")
_MAX_EXPONENT = 1000
_MAX_MAGNITUDE = 10**100


class NotArithmetic(ValueError):
    """The text is not an expression this evaluator accepts."""


def evaluate(expression: str) -> int | float:
    """The value of an expression of numbers, + - * / // % ** and parentheses.

    ``^`` means power and ``×``/``÷`` multiply and divide, as people write them.
    Raises ``NotArithmetic`` for anything else, ``ZeroDivisionError`` for x/0.
    """
    source = expression.replace("^", "**").replace("×", "*").replace("÷", "/")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise NotArithmetic(expression) from exc
    return _walk(tree.body)


def _walk(node: ast.AST) -> int | float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_walk(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _walk(node.left), _walk(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise NotArithmetic("exponent too large")
        value = _BINARY[type(node.op)](left, right)
        if isinstance(value, complex) or abs(value) > _MAX_MAGNITUDE:
            raise NotArithmetic("result out of range")
        return value
    raise NotArithmetic(ast.dump(node))


def format_number(value: int | float) -> str:
    """Integers as written, floats to 12 significant digits without trailing zeros."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


def solve_all(text: str) -> list[tuple[str, str]]:
    """Each arithmetic expression in the text with its value as text, in order."""
    results = []
    for match in _EXPRESSION.finditer(text):
        expression = _balance(match.group().strip())
        if _DASHED.fullmatch(expression) or not _OPERATOR.search(expression):
            continue  # dates, ranges and phone numbers are not sums
        try:
            results.append((expression, format_number(evaluate(expression))))
        except ZeroDivisionError:
            results.append((expression, "undefined (division by zero)"))
        except (NotArithmetic, OverflowError, ValueError, TypeError):
            continue
    return results


def _balance(expression: str) -> str:
    """The expression without unmatched parentheses at its ends: "(see 3*4)" gives "3*4"."""
    while expression.count("(") > expression.count(")") and expression.startswith("("):
        expression = expression[1:].strip()
    while expression.count(")") > expression.count("(") and expression.endswith(")"):
        expression = expression[:-1].strip()
    return expression
