# ASR-style calls: inject a few plausible speech-recognition mishearings (first occurrence only)
import os
os.chdir(os.path.dirname(os.path.abspath(__file__)) + "/calls")
edits = {
"ar1.txt": [("fluticasone inhaler", "flu tick a zone inhaler"), ("changed formularies", "changed formula ries"),
            ("its probably autocorrect or the third party site", "its probably auto correct or the third party sight"),
            ("midsize pickup", "mid size pick up")],
"ar2.txt": [("thank you mister boateng", "thank you mister bo a tang"), ("coralville", "coral veil"),
            ("im on the side of the interstate", "im on the side of the inner state"),
            ("by the exit booth", "by the exit boot"), ("espn is back", "e s p n is back"),
            ("just says not authorized", "just says not a thorized")],
"au1.txt": [("kim dot tran 88", "kim dot tram 88"), ("asking them to prioritize", "asking them to prior ties"),
            ("it keeps saying address could not be validated", "it keeps saying address could not be valley dated"),
            ("i had a travel pass i added", "i had a travel past i added")],
"au2.txt": [("through an intermediary bank", "through an inner mediary bank"), ("are non refundable", "are non refund a bull"),
            ("you can submit comparable listings", "you can submit compare a bull listings"),
            ("option of appraisal", "option of a praise all"), ("out with the field crew", "out with the feel crew"),
            ("my new doctor doesnt have a fax", "my new doctor doesnt have a facts")],
"wr1.txt": [("agent and the expiry", "agent and the expert e"), ("im removing the late fee", "im removing the light fee")],
"wr2.txt": [("update my address for my car registration", "update my address for my car registry station"),
            ("the one with the exclamation mark", "the one with the exclamation mart"),
            ("layover in seoul", "layover in soul"), ("tap clear cache", "tap clear cash")],
"wu1.txt": [("only supports pdf", "only supports p d f"), ("lower my deductible on my home policy", "lower my deduct table on my home policy"),
            ("the closest is everett", "the closest is every it"), ("through secure messaging", "through secure massaging")],
"wu2.txt": [("the fence had wear and tear", "the fence had where and tear"),
            ("we have a camping lantern", "we have a camping lanton"), ("let me try the scheduler", "let me try the schedule are")],
}
for fn, pairs in edits.items():
    s = open(fn, encoding="utf-8").read()
    for old, new in pairs:
        if new in s:
            continue
        assert old in s, (fn, old)
        s = s.replace(old, new, 1)
    open(fn, "w", encoding="utf-8").write(s)
print("ok")
