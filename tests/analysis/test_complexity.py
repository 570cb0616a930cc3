"""Table 1 of the paper, measured on the model (parameters and FLOPs)."""
import pytest

from tests.models.base import build_segmentor, count


def test_complexity_table_counts_every_block():
    from mmseg_fastscnn.analysis import TABLE1_ROWS, complexity_table
    model = build_segmentor().eval()
    rows, total = complexity_table(model, [(64, 128)])
    assert len(rows) == len(TABLE1_ROWS)
    assert total['params'] == count(model.backbone) + count(
        model.decode_head)
    assert sum(r['params'] for r in rows) == total['params']
    assert [r['c'] for r in rows] == [
        32, 48, 64, 64, 96, 128, '4x32', 128, 128, 128, 11
    ]
    assert rows[0]['input@64x128'] == '64x128x3'
    assert 0 < total['flops@64x128'] == pytest.approx(
        sum(r['flops@64x128'] for r in rows), rel=0.01)
