"""Word classes by k-means: the vectorised k-means against word2vec.c's loop, word by word."""
import numpy as np

from word2vec_fast.kmeans import kmeans_classes


def _kmeans_loop(x, k, iterations=10):
    """word2vec.c's k-means, one word at a time (the test's reference)."""
    x = x.astype(np.float64)
    cl = [i % k for i in range(len(x))]
    for _ in range(iterations):
        cent = np.zeros((k, x.shape[1]))
        cnt = np.ones(k)
        for i, c in enumerate(cl):
            cent[c] += x[i]
            cnt[c] += 1
        cent /= cnt[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            cent /= np.sqrt((cent ** 2).sum(axis=1))[:, None]
        for i in range(len(x)):
            best, best_id = -10.0, 0
            for d in range(k):
                s = float(cent[d] @ x[i])
                if s > best:  # NaN (an empty class) never wins
                    best, best_id = s, d
            cl[i] = best_id
    return np.array(cl)


def test_kmeans_matches_word2vec_c_loop():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((400, 8)).astype(np.float32)
    x[:100] += 3 * rng.standard_normal(8).astype(np.float32)  # one clear cluster
    for k in (1, 3, 7):
        assert np.array_equal(kmeans_classes(x, k), _kmeans_loop(x, k))
    # more classes than rows leaves classes empty; they never take a row
    assert np.array_equal(kmeans_classes(x[:5], 9), _kmeans_loop(x[:5], 9))
