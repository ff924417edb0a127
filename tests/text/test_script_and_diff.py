from newsarchive.diff import diff_html, diff_stats, diff_texts
from newsarchive.text.normalize import fold_for_matching
from newsarchive.text.script import detect_script, to_simplified, to_traditional


def test_script_round_trip_and_detection() -> None:
    assert to_simplified("中芯國際") == "中芯国际"
    assert to_traditional("长江存储") == "長江存儲"
    assert detect_script("美國商務部長雷蒙多表示") == "traditional"
    assert detect_script("美国商务部长雷蒙多表示") == "simplified"


def test_fold_for_matching_width_case_script() -> None:
    assert fold_for_matching("ＳＭＩＣ與華為") == fold_for_matching("smic与华为")


def test_diff_marks_inline_change_with_context() -> None:
    out = diff_html("第一段\n第二段\n第三段", "第一段\n第二段改了\n第三段")
    assert "<ins>改了</ins>" in out and "第一段" in out and "第三段" in out
    assert diff_stats("abc", "abd") == {"added": 1, "removed": 1}
    assert [c.op for c in diff_texts("a\nb", "a\nb\nc")] == ["equal", "insert"]


def test_diff_escapes_html() -> None:
    assert "<script>" not in diff_html("x", "<script>alert(1)</script>")
