import os
os.chdir(os.path.dirname(os.path.abspath(__file__)) + "/calls")
def C(s): return s.replace("'", "\u2019")
edits = {
"wr1.txt": [
 ("Customer: No, that's it. You're a star, Lucy.", "Customer: No, that's it. You've been a star, Lucy."),
 ("Thank you so much, Rashid. You've made my day.", "Thank you so much, Rashid. You've been wonderful."),
 ("Thank you so much, Elsa. I feel a bit silly but mostly relieved.", "Thank you so much, Elsa, you've been great. I feel a bit silly but mostly relieved."),
 ("Customer: Thank you, thank you!", "Customer: Thank you, thank you! You've been amazing."),
 ("Okay. That's all really helpful. Thank you so much.", "Okay. You've been really helpful. Thank you so much."),
 ("Customer: Thank you, Malik. Sorry for the trouble.", "Customer: Thank you, Malik, you've been very patient. Sorry for the trouble."),
 ("Agent: Standard delivery is seven to ten business days.", "Agent: Unfortunately standard delivery is seven to ten business days."),
 ("Agent: Adding a teen driver is never cheap, I'll be honest.", "Agent: Unfortunately adding a teen driver is never cheap, I'm afraid."),
 ("Agent: Okay, Dr. Whitfield's first morning physical is... Monday the 14th at 8:40.", "Agent: Unfortunately she's got nothing left this week, I'm afraid. Her first morning physical is... Monday the 14th at 8:40."),
 ("Agent: Wonderful. Your problem's sorted then.\nCustomer: It is, yes.", "Agent: Wonderful. So your issue has been resolved.\nCustomer: It has, yes."),
 ("Agent: Not silly at all. Let's have a look.", "Agent: Not silly at all, and I'm sorry about the freezing. Let's have a look."),
 ("agent oh no okay lets sort that out", "agent oh no im so sorry okay lets sort that out"),
 ("Agent: Let me look. Member number?", "Agent: Oh, I'm sorry about that. Let me look. Member number?"),
],
"wr2.txt": [
 ("Customer: Even better. Thank you, Ahmed!", "Customer: Even better. You've been so helpful, Ahmed!"),
 ("Customer: Wonderful. Thank you, Ben!", "Customer: Wonderful. You've been great, Ben, thank you!"),
 ("Customer: Thank you so much, Stan.", "Customer: You've been very helpful, Stan. Thanks so much."),
 ("Customer: Perfect. Thank you, Lourdes.", "Customer: Perfect. You've been a great help, Lourdes."),
 ("they have no minivans available, but there is", "I'm afraid they have no minivans available, but there is"),
 ("Agent: Thank you, Ms. Arkwright. Okay, your connection left", "Agent: Thank you, Ms. Arkwright. Unfortunately your connection left"),
 ("Agent: It's fixable. Your inverter data", "Agent: I'm not able to fix the old reading itself, I'm afraid, but it's fixable another way. Your inverter data"),
 ("Agent: Great. And you weren't charged twice, I checked.\nCustomer: Oh, I didn't even think of that.", "Agent: Great, so your issue has been resolved. And you weren't charged twice, I checked.\nCustomer: Yes, it's resolved. Oh, and I didn't even think of that."),
 ("Agent: Oh, that's a common one. Let's take a look.", "Agent: Oh, I'm so sorry, that's a common one. Let's take a look."),
 ("Agent: Let's take a look. Confirmation?\nCustomer: C 8 2 J M L.", "Agent: Oh, I'm so sorry. Let's take a look. Confirmation?\nCustomer: C 8 2 J M L."),
],
"wu1.txt": [
 ("Customer: No, it's my own fault really. You've been very nice about it, Jake. Have a good day.", "Customer: No, it's my own fault really. Cheers anyway, Jake. Have a good day."),
 ("Customer: It is. Thank you for checking all those options, Valentina, you’ve been very kind.", "Customer: It is. Well, thanks for checking all those options, Valentina. Bye now."),
 ("Customer: Alright. I'll try them. Thank you, Pablo, you've been super helpful.", "Customer: Alright. I'll try them. Okay, bye Pablo, take care."),
 ("Customer: Thank you so much, Rachel. You’ve been very helpful.", "Customer: Okay. I’ll wait to hear from him then. Bye bye."),
],
"wu2.txt": [
 ("Customer: Thank you so much, Oliver. I'll keep my fingers crossed. You've been very kind.", "Customer: Fingers crossed, then. Cheers, Oliver."),
 ("Customer: Okay. Well, please send it. Thank you, Naomi, you've been very helpful.", "Customer: Okay. Well, please send it, and I'll keep an eye on the post. Bye now."),
 ("Customer: Thank you, Clara. You’ve been lovely.", "Customer: We will. Okay, bye for now."),
 ("Customer: Thank you, Gemma, you've been very patient.", "Customer: I'll ring back if I decide to. Thanks, Gemma."),
],
"ar1.txt": [
 ("Agent: There's an automated line, option 2 from the main menu", "Agent: Unfortunately I'm not able to fix the website from here. There's an automated line, option 2 from the main menu"),
 ("Agent: I'm sorry, that's really embarrassing. Let me get you verified", "Agent: I understand, that's really embarrassing. Let me get you verified"),
 ("Customer: That's not my problem.\nAgent: No, it's not.", "Customer: That's not my problem.\nAgent: I understand. No, it's not."),
 ("Agent: I can do that for you. What's the order number?", "Agent: I understand. I can do that for you. What's the order number?"),
 ("Customer: Okay. Good. Somebody fix that website though.", "Customer: Okay. Good. Unbelievable that the website just says 403 though."),
 ("Customer: Okay. Should've been there in the first place. But okay.", "Customer: Unbelievable. Should've been there in the first place. But okay."),
 ("Customer: So turn it on.", "Customer: Can you just turn it on then?"),
 ("Customer: Great. Doesn't get me seen today though, does it.", "Customer: Can you get me seen today? Because that's what I drove forty minutes for."),
 ("Agent: Good. Your rent payment will go through.\nCustomer: Why couldn't", "Agent: Good. So that issue has been resolved, and your rent payment will go through.\nCustomer: Yeah, it's resolved. Why couldn't"),
 ("agent thank you for calling greenleaf pharmacy", "agent good morning thank you for calling greenleaf pharmacy"),
],
"ar2.txt": [
 ("The good news is your notes on the server are fine.", "I'm not able to repair the phone's copy directly, unfortunately. The good news is your notes on the server are fine."),
 ("The lisinopril ten, we're out of the exact strength, it comes in on tomorrow's delivery.", "Unfortunately I don't have the lisinopril ten on the shelf, it comes in on tomorrow's delivery."),
 ("Customer: That is a terrible design.", "Customer: That is unbelievable. Terrible design."),
 ("Customer: You have no idea how annoying this has been.", "Customer: Unbelievable. You have no idea how annoying this has been."),
 ("Agent: I'm sorry about that. Let me help. Can I have your Social Security number, please?", "Agent: I understand, and I'm sorry about that. Can I have your Social Security number, please?"),
 ("Agent: Okay, let me take a look. What's the account number, or the service address?", "Agent: I understand. Let me take a look. What's the account number, or the service address?"),
 ("Agent: Let me see. Can I have your member number?", "Agent: I understand. Let me see. Can I have your member number?"),
 ("Customer: Then why does the website say otherwise?", "Customer: Can you explain why the website says otherwise, then?"),
 ("agent youre all set\ncustomer well you couldve sent", "agent ok your issue has been resolved youre all set\ncustomer yeah its resolved well you couldve sent"),
 ("Agent: Hi, this is Rowan with Tasklane billing.", "Agent: Good morning, this is Rowan with Tasklane billing."),
 ("Agent: Pinnacle Bank, my name's Shawn, how can I help today?", "Agent: Good morning, Pinnacle Bank, my name's Shawn, how can I help today?"),
 ("Customer: Hi Lorraine, I got a bill", "Customer: Good morning, Lorraine. I got a bill"),
],
"au1.txt": [
 ("Agent: Thank you for calling Lumen Ridge Broadband, this is Kaylee.", "Agent: Good morning, Lumen Ridge Broadband, this is Kaylee."),
 ("Agent: Fairmont Trust, card services, this is Ian.", "Agent: Good afternoon, Fairmont Trust card services, this is Ian."),
 ("Unbelievable. Okay. Block them, I guess. I'm still out ninety-nine bucks. Thanks for nothing.", "Okay. Block them, I guess. I'm still out ninety-nine bucks. Thank you so much for your help. Really. Wonderful."),
 ("Customer: Unbelievable. I'm talking to a lawyer. Goodbye.", "Customer: You've been a great help, Peyton. Truly. I'm talking to a lawyer. Goodbye."),
 ("Customer: I'm calling a cab myself. Keep your tow. Unbelievable.", "Customer: I'm calling a cab myself. Keep your tow."),
 ("Customer: Hi. I need a passport appointment before the 28th.", "Customer: Good morning. I need a passport appointment before the 28th."),
 ("Customer: This is — I've banked with you for twelve years. Twelve. Unbelievable. Okay. Bye.", "Customer: This is — I've banked with you for twelve years. Twelve. Okay. Bye."),
],
"au2.txt": [
 ("Agent: Maplewood Internal Medicine, this is Tracy", "Agent: Good morning, Maplewood Internal Medicine, this is Tracy"),
 ("Agent: Summit Auto & Home, this is Alexis.", "Agent: Good afternoon, Summit Auto & Home, this is Alexis."),
 ("I want it lowered.", "I'd like it lowered."),
 ("Customer: Right. Move it.", "Customer: Right. I'd like it moved. Today."),
 ("Customer: I have the link. The link is the problem. Forget it. Bye.", "Customer: I have the link. The link is the problem. Lovely. Just lovely. Thanks so much. Bye."),
 ("Customer: I took today off work to make these calls. Unbelievable. Okay. Bye.", "Customer: I took today off work to make these calls. Okay. Bye."),
 ("customer unbelievable fine whatever", "customer fine whatever"),
],
}
for fn, pairs in edits.items():
    s = open(fn, encoding="utf-8").read()
    for old, new in pairs:
        if new in s or C(new) in s:
            continue
        if s.count(old) == 1:
            s = s.replace(old, new)
        elif s.count(C(old)) == 1:
            s = s.replace(C(old), C(new))
        else:
            raise SystemExit(f"{fn}: not found once: {old!r} ({s.count(old)},{s.count(C(old))})")
    open(fn, "w", encoding="utf-8").write(s)
print("ok")
