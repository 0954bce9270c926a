"""The BLAS/LAPACK naming scheme (LAPACK Users' Guide, "Naming Scheme") spelled out in words.

`dgtsv` = d (double precision real) + gt (general tridiagonal) + sv (solve a linear system). The
routine pages rarely say "tridiagonal" or "multiply" in words a user would type, while the name
always encodes them; these words go into the searchable text.
"""

from __future__ import annotations

import re

PRECISION = {
    "s": "single precision real",
    "d": "double precision real",
    "c": "single precision complex",
    "z": "double precision complex (complex*16)",
}

MATRIX_TYPE = {
    "bb": "bidiagonal block (CS decomposition)",
    "bd": "bidiagonal",
    "di": "diagonal",
    "gb": "general band",
    "ge": "general (dense, possibly nonsymmetric)",
    "gg": "general matrix pair (generalized problem)",
    "gt": "general tridiagonal",
    "hb": "Hermitian band",
    "he": "Hermitian",
    "hf": "Hermitian, rectangular full packed",
    "hg": "upper Hessenberg matrix pair",
    "hp": "Hermitian packed",
    "hs": "upper Hessenberg",
    "op": "real orthogonal, packed",
    "or": "real orthogonal",
    "pb": "symmetric positive definite band",
    "pf": "symmetric positive definite, rectangular full packed",
    "po": "symmetric (Hermitian) positive definite",
    "pp": "symmetric positive definite packed",
    "ps": "symmetric positive semidefinite",
    "pt": "symmetric positive definite tridiagonal",
    "sb": "symmetric band",
    "sf": "symmetric, rectangular full packed",
    "sp": "symmetric packed",
    "st": "symmetric tridiagonal",
    "sy": "symmetric",
    "tb": "triangular band",
    "tf": "triangular, rectangular full packed",
    "tg": "triangular matrix pair",
    "tp": "triangular packed",
    "tr": "triangular",
    "tz": "trapezoidal",
    "un": "complex unitary",
    "up": "complex unitary packed",
}

# Operation codes after the matrix type, longest first when matching.
OPERATION = {
    "sv": "solve a linear system of equations",
    "svx": "solve a linear system, with condition estimate and error bounds",
    "svxx": "solve a linear system, with extra-precise iterative refinement",
    "trf": "factorization (LU, Cholesky or LDL^T)",
    "trs": "solve a linear system using a computed factorization",
    "tri": "inverse of a matrix using its factorization",
    "con": "estimate the condition number",
    "rfs": "refine a solution and bound its error",
    "equ": "scaling to equilibrate (balance) rows and columns",
    "ev": "eigenvalues and eigenvectors",
    "evd": "eigenvalues and eigenvectors, divide and conquer",
    "evr": "eigenvalues and eigenvectors, relatively robust representations",
    "evx": "selected eigenvalues and eigenvectors",
    "gv": "generalized eigenvalue problem",
    "gvd": "generalized eigenvalue problem, divide and conquer",
    "gvx": "selected eigenvalues of a generalized eigenvalue problem",
    "es": "Schur factorization, eigenvalues",
    "esx": "Schur factorization, eigenvalues, condition numbers",
    "svd": "singular value decomposition (SVD)",
    "sdd": "singular value decomposition (SVD), divide and conquer",
    "svdx": "selected singular values and vectors",
    "jsv": "singular value decomposition, Jacobi method",
    "ls": "least squares solution of an overdetermined or underdetermined system",
    "lsd": "least squares solution using the SVD, divide and conquer",
    "lss": "least squares solution using the SVD",
    "lsy": "least squares solution using a complete orthogonal factorization",
    "lse": "least squares with equality constraints",
    "glm": "general Gauss-Markov linear model",
    "qrf": "QR factorization",
    "qp3": "QR factorization with column pivoting",
    "lqf": "LQ factorization",
    "qlf": "QL factorization",
    "rqf": "RQ factorization",
    "trd": "reduce to tridiagonal form",
    "brd": "reduce to bidiagonal form",
    "hrd": "reduce to upper Hessenberg form",
    "bal": "balance a matrix",
    "bak": "back-transform eigenvectors",
    "gqr": "generate the orthogonal matrix Q of a QR factorization",
    "mqr": "multiply by the orthogonal matrix Q of a QR factorization",
    "mm": "matrix-matrix multiply (product of matrices)",
    "mv": "matrix-vector multiply (product of a matrix and a vector)",
    "sm": "solve a triangular system with several right-hand sides",
    "r": "rank-1 update",
    "r2": "rank-2 update",
    "rk": "rank-k update",
    "r2k": "rank-2k update",
}

# Level-1 BLAS names after the precision letter(s).
VECTOR_OPERATION = {
    "axpy": "y = alpha*x + y, add a multiple of one vector to another",
    "dot": "dot product (inner product) of two vectors",
    "dotc": "dot product of two complex vectors, first conjugated",
    "dotu": "dot product of two complex vectors, unconjugated",
    "sdot": "dot product accumulated in double precision",
    "scal": "scale a vector by a constant (multiply by a scalar)",
    "copy": "copy a vector into another vector",
    "swap": "swap (interchange) two vectors",
    "asum": "sum of absolute values of a vector",
    "nrm2": "Euclidean norm (2-norm, length) of a vector",
    "rot": "apply a plane (Givens) rotation",
    "rotg": "construct a plane (Givens) rotation",
    "rotm": "apply a modified plane rotation",
    "rotmg": "construct a modified plane rotation",
    "amax": "index of the element with the largest absolute value",
    "cabs1": "sum of absolute values of real and imaginary parts",
}

_LEVEL1 = re.compile(r"^i?(?:sc|dz|cs|zd|ds|[sdcz])(?P<op>[a-z0-9]+)$")


def naming_words(name: str, kind: str) -> str:
    """Plain-language reading of a BLAS/LAPACK routine name; '' when it follows no scheme."""
    low = name.lower()
    if kind == "blas":
        m = _LEVEL1.match(low)
        if m and m.group("op") in VECTOR_OPERATION:
            precision = PRECISION.get(low.lstrip("i")[0], "")
            return f"{VECTOR_OPERATION[m.group('op')]}; {precision}"
    if len(low) < 4 or low[0] not in PRECISION:
        return ""
    matrix = MATRIX_TYPE.get(low[1:3])
    if matrix is None:
        return ""
    code = low[3:].split("_")[0]
    operation = OPERATION.get(code) or OPERATION.get(code.rstrip("0123456789"), "")
    return "; ".join(p for p in (operation, f"{matrix} matrix", PRECISION[low[0]]) if p)
