"""Four more TRAIN phrasing families for scripts/make_dev_set.py (stdlib only, data only).

Written after the first eight to widen what training sees, each deliberately unlike them: a
hedging customer who never complains outright, a storyteller who rambles, a customer who talks
in slang and idioms, and a relative calling on someone's behalf. They bring their own problem
sentences (MORE_PROBLEMS, one list per problem of devset_industries.PROBLEMS, in the same
order), their own questions, and two agent styles of their own (scripted and warm), so nothing
here is a re-wording of another family's line. They were written without looking at the test
families, and they are train only.
"""

# family -> the agent pool its calls use
FAMILY_AGENT = {"hedging": "scripted", "storyteller": "warm", "slang": "scripted", "proxy": "warm"}

MORE_FAMILIES = {
    "hedging": {  # very polite, indirect, apologises for calling, never says "complaint" lightly
        "open": [
            "Hello, sorry to trouble you. I might be wrong, but I think {problem}.",
            "Hi there, it's probably something I've done, but {problem}.",
        ],
        "confirm": [
            "Oh, {check}. That appears to have done it, thank you so much.",
            "I think that's sorted it, actually, {check}. I'm very grateful.",
        ],
        "neg_fixed": [
            "Ah, {check}, so I shan't need to worry about that any more.",
            "Oh good, then that's no longer something I need to bother you about.",
        ],
        "still": [
            "I'm so sorry, I don't think it's made a difference, it seems just the same.",
            "Forgive me, but it looks exactly as it did before.",
        ],
        "frustrated": [
            "I see. I was rather hoping someone could do something, to be honest.",
            "Oh. So there isn't really anything anyone can do, then.",
        ],
        "tentative": [
            "Well, I could perhaps give that a go, I suppose.",
            "I'm not sure it will help, but I can try it, I suppose.",
        ],
        "reopen": [
            "Oh, I'm ever so sorry, it seems to have gone back to the way it was.",
            "Sorry, I think it's just done the same thing again.",
        ],
        "repeat": [
            "I'm sorry to keep ringing, this must be the third or fourth time now. {problem}.",
            "I did phone about this before, and I don't want to be a bother, but {problem}.",
        ],
        "wait": [
            "That's very kind, I'll look out for your call then.",
            "Alright, I'll hold on until I hear something.",
        ],
        "churn_if": [
            "I'd rather not, but if it can't be sorted I may have to look at other providers.",
            "I don't want to make a fuss, but if it's still like this next week I'll have to end the contract.",
        ],
        "escalate": [
            "Would it be possible to have a word with someone senior? I'm sorry to ask.",
            "I don't like to grumble, but I think I'd better raise a formal complaint.",
        ],
        "callback": [
            "Perhaps I'll try phoning again another day, then.",
            "Not to worry, I'll try ringing again later in the week.",
        ],
        "ask": ["Hello, I hope you don't mind me asking, but {question}?"],
        "thanks": [
            "That's exactly what I wanted to know, thank you kindly.",
            "Ah, that answers it, I'm very grateful.",
        ],
        "report": [
            "A lady from my book club mentioned {problem}, and I just wondered whether mine was the same."
        ],
        "report_ok": ["Oh, that's a weight off, mine's in order then. Thank you."],
        "hyp_again": ["Should it ever do that again, I'll give you a call, if that's alright."],
    },
    "storyteller": {  # long, rambling turns; the point is buried in the middle
        "open": [
            "So, right, I was making the kids' tea on Tuesday, and I go to check, and {problem}, and then the dog started barking, anyway.",
            "Okay so this goes back a bit, my husband noticed it first, and to cut a long story short, {problem}.",
        ],
        "confirm": [
            "Oh hang on, let me look, bear with, yes, {check}, oh that's so much better, it's sorted, thank you.",
            "Right, let me just find my glasses, okay, {check}. That's cracked it, thank you.",
        ],
        "neg_fixed": [
            "Oh, {check}, so I can stop fretting about that, it isn't a problem now, which is a relief, honestly.",
            "Well that's that then, {check}, it won't be bothering me anymore.",
        ],
        "still": [
            "Well, I did all that, I switched it all off, made a cup of tea, came back, and it's exactly the same as before.",
            "I've done what the last person said too, and it's carrying on just like before, no different at all.",
        ],
        "frustrated": [
            "I've spent my whole lunch break on this, and I'm no further along than when I started.",
            "So after all that, I'm right back where I began, am I.",
        ],
        "tentative": [
            "Well, my husband will probably say it's pointless, but I'll give it a whirl, I suppose.",
            "I mean, I tried something like that last year, but fine, I might as well have a go.",
        ],
        "reopen": [
            "Oh, hang about, while we were chatting it's gone and done it again.",
            "Oh no, look at that, it's back to its old tricks.",
        ],
        "repeat": [
            "I rang about this last month and the month before, and I've told the whole story each time, {problem}.",
            "So this is, what, my third go at this, the first lady was lovely, but {problem}.",
        ],
        "wait": [
            "Okay, well, I'll be in all day tomorrow, so I'll keep my phone handy.",
            "Right, I'll hang on and wait for you lot to get back to me then.",
        ],
        "churn_if": [
            "My brother's with another company and he never has this, so if it keeps up I'm moving over to them.",
            "I've been with you eleven years, but if this isn't put right by the end of the month I'm leaving.",
        ],
        "escalate": [
            "I think at this point I need to talk to whoever's in charge there.",
            "I'm going to write to the ombudsman about all this, I've kept every letter.",
        ],
        "callback": [
            "I'll have to go and pick up the kids, I'll try you again tomorrow.",
            "Look, I've got to dash, I'll ring again when I've got more time.",
        ],
        "ask": ["So my daughter was asking me, and I didn't know, {question}?"],
        "thanks": [
            "Oh, that's handy to know, I'll tell my daughter, thanks ever so much.",
            "Brilliant, that settles the argument at home, cheers.",
        ],
        "report": [
            "So my mate down the pub was moaning that {problem}, and I thought, hang on, I'd better check mine."
        ],
        "report_ok": ["Oh well, that's good then, nothing wrong with mine, I'll tell him. Thanks."],
        "hyp_again": ["And look, if it ever plays up like that again, I know who to ring."],
    },
    "slang": {  # young, idioms and slang, short bursts
        "open": [
            "Hey, yeah, so basically {problem}, it's doing my head in.",
            "Yo, hi, so {problem}, and it's well annoying.",
        ],
        "confirm": [
            "Oh sick, {check}. Nailed it, cheers.",
            "Ah yeah, {check}, that's sorted it, legend.",
        ],
        "neg_fixed": [
            "Sweet, {check}, so that's not a thing anymore, cheers.",
            "Nice one, {check}, no drama anymore then.",
        ],
        "still": ["Nah, it's still playing up, mate.", "Nope, did that, zero difference."],
        "frustrated": [
            "Mate, that's a joke, honestly.",
            "So I'm stuck with it then. Proper rubbish, that.",
        ],
        "tentative": [
            "Eh, I'll give it a shot I guess, whatever.",
            "I mean, I can try that, probably won't do anything though.",
        ],
        "reopen": ["Ugh, nah, it's packed in again.", "Wait, it's just conked out again."],
        "repeat": [
            "This is like the third time I've rung you lot about it, {problem}.",
            "I've been on the phone to you loads already, {problem}.",
        ],
        "wait": [
            "Right, I'll sit tight for the callback then.",
            "Yeah go on then, I'll wait to hear.",
        ],
        "churn_if": [
            "If it's not sorted by the weekend I'm off to another network, no joke.",
            "Honestly if this keeps happening I'm jumping ship.",
        ],
        "escalate": [
            "Nah, put me through to your boss.",
            "I'm gonna put a complaint in about this, for real.",
        ],
        "callback": ["Forget it, I'll try my luck another time.", "Ugh, I'll bell you back later."],
        "ask": ["Hey, quick one, {question}?"],
        "thanks": ["Ah sound, that's all I needed, cheers.", "Nice, cheers for that."],
        "report": ["My flatmate reckons {problem}, so just checking mine's not the same."],
        "report_ok": ["Sweet, mine's all good then, cheers."],
        "hyp_again": ["If it kicks off again I'll give you a bell."],
    },
    "proxy": {  # a relative or carer calling for the account holder, relaying what they say
        "open": [
            "Hello, I'm calling for my mother, I look after her accounts and she's here with me. {problem}.",
            "Hi, my dad's asked me to ring for him, he's hard of hearing. It's his account, but {problem}.",
        ],
        "confirm": [
            "Mum says yes, {check}. That's done it, thank you.",
            "Hold on, I'll ask him. Yes, {check}, he says it's fixed now, thank you.",
        ],
        "neg_fixed": [
            "Okay, {check}, so we don't need to worry about that now. Thank you.",
            "Right, that's not an issue for her any more, then. Thanks.",
        ],
        "still": [
            "She's just tried it, and no, it's still not right.",
            "We've done that together and it's made no difference.",
        ],
        "frustrated": [
            "She's eighty-four, she can't keep going round in circles like this.",
            "That doesn't really help us, does it.",
        ],
        "tentative": [
            "Well, we'll try it, I suppose, though I can't see it helping.",
            "I guess I can show her how to do that and see.",
        ],
        "reopen": [
            "Oh, she's just shown me, it's happened again.",
            "Sorry, it's gone back to the same fault, I can see it now.",
        ],
        "repeat": [
            "We've been calling about this for weeks on her behalf. {problem}.",
            "I rang for him last Tuesday as well. {problem}.",
        ],
        "wait": [
            "Alright, please ring me rather than her, I'll be waiting.",
            "Okay, we'll wait for the call then.",
        ],
        "churn_if": [
            "If it isn't sorted soon I'll move all her accounts to another company.",
            "If this happens again I'm closing the account for her.",
        ],
        "escalate": [
            "I'd like to speak to a manager about how she's been treated.",
            "I'm putting in a formal complaint on her behalf.",
        ],
        "callback": [
            "I'll have to call back when she's less tired.",
            "We'll ring again later, she's getting upset.",
        ],
        "ask": ["Hi, I'm helping my dad with his account, {question}?"],
        "thanks": [
            "That's all we needed to know, thanks very much.",
            "Lovely, I'll let him know. Thank you.",
        ],
        "report": ["My aunt's carer mentioned {problem}, so I'm checking Mum's isn't the same."],
        "report_ok": ["Good, so hers is fine then. Thanks."],
        "hyp_again": ["If it plays up again I'll phone on her behalf."],
    },
}

MORE_AGENT = {
    "scripted": {  # reads from a script: formal, corporate "we apologise", policy words
        "greet": [
            "Good afternoon, you're through to {company}, my name is {name}, may I take your name please?",
            "Welcome to {company}. You are speaking with {name}. How may I assist you today?",
        ],
        "sorry": [
            "I apologise for any inconvenience caused. I will look into this for you.",
            "We apologise for the inconvenience. Please bear with me while I review the account.",
        ],
        "fix": [
            "Thank you for waiting. {fix}. Please could you confirm whether the issue persists?",
            "I can confirm that {fix}. Can you verify on your side, please?",
        ],
        "retry": ["I will now attempt an alternative step. {fix}. Please check again."],
        "deflect": [
            "Unfortunately that falls outside our remit, you will need to raise it with the third party.",
            "I'm afraid I'm unable to action that on this line.",
        ],
        "suggest": [
            "Our standard advice is to wait forty-eight hours and see if it settles.",
            "Please try the self-service option on our website in the meantime.",
        ],
        "promise": [
            "I will {later} and a colleague will contact you within two working days.",
            "I have logged a request to {later}; you will receive an update by Friday.",
        ],
        "noted": [
            "Thank you, I have recorded your feedback on the account.",
            "I acknowledge your concerns and they have been documented.",
        ],
        "answer": ["I can confirm that {answer}.", "According to our policy, {answer}."],
        "bye": [
            "Is there anything else I can help with today? Thank you for calling, goodbye.",
            "Thank you for contacting us today. Goodbye.",
        ],
        "report": ["I have checked your account and I can confirm there are no issues on it."],
        "ask_id": [
            "For security, please confirm your date of birth.",
            "Before we proceed, may I take the reference number?",
        ],
        "give_id": ["It's {digits}.", "The number is {digits}."],
        "pending": [
            "I have submitted the request; please allow up to seventy-two hours for processing.",
            "The case has been referred to the relevant department.",
        ],
        "hold": ["Please hold while I transfer you.", "I am placing you on a brief hold now."],
        "polite_bye": [
            "Right you are. Thank you, goodbye.",
            "Okay then, cheers, bye.",
            "Fair enough, thanks, bye now.",
        ],
        "extra_promise": [
            "You will receive a confirmation letter in the post within five days.",
            "I will send a summary of this call to your email this afternoon.",
        ],
    },
    "warm": {  # chatty, first-person, informal
        "greet": [
            "Hiya, {name} here at {company}, what's going on?",
            "Hi, you've got {name} at {company}, what can I do for you?",
        ],
        "sorry": [
            "Oh no, I'm really sorry, that sounds like a pain. Let's get it sorted.",
            "Ah, I'm so sorry you've been dealing with that. Let me dig in.",
        ],
        "fix": [
            "Okay, good news, {fix}. Do you want to take a look for me?",
            "Right, so {fix}. How's it looking your end?",
        ],
        "retry": ["Hmm, okay, let's try one more thing. {fix}. Any better?"],
        "deflect": [
            "Honestly, that one's with the other company, not us, so you'd need to ring them.",
            "My hands are tied on that one, I'm afraid, it's not something we handle.",
        ],
        "suggest": [
            "What I'd do is leave it overnight and see if it comes right.",
            "Give it a day or two and it might sort itself out.",
        ],
        "promise": [
            "Leave it with me, I'll {later} and give you a ring on Monday.",
            "I'm going to {later} myself, and you'll get a text by Wednesday.",
        ],
        "noted": [
            "I completely get it, and I've put all of that on your notes.",
            "That's totally fair, I hear you.",
        ],
        "answer": ["Good question, {answer}.", "Oh yes, {answer}."],
        "bye": ["No worries at all, take care now.", "Lovely chatting, you have a great day."],
        "report": ["Let me have a quick peek at yours. Nope, yours looks absolutely fine."],
        "ask_id": [
            "Can I just grab your date of birth to find you?",
            "What's the account number there, love?",
        ],
        "give_id": ["Yep, it's {digits}.", "Um, {digits}, I think."],
        "pending": [
            "I've popped a request through, it can take a little while to kick in.",
            "I've passed this over to the team who look after it.",
        ],
        "hold": [
            "Bear with me, I'm just going to pop you on hold.",
            "Let me just put you through to someone who knows more.",
        ],
        "polite_bye": [
            "Alright, lovely, thanks, bye.",
            "Okay, ta, bye bye.",
            "Righto, thanks, speak soon.",
        ],
        "extra_promise": [
            "I'll drop you an email with all of that later on.",
            "You'll get a little text confirming it by tonight.",
        ],
    },
}

# industry -> one list of fresh problem sentences per problem in devset_industries.PROBLEMS
MORE_PROBLEMS = {
    "banking": [
        [
            "there's a payment to some shop abroad on my statement that isn't mine",
            "you've taken an overdraft charge off me that shouldn't be there",
        ],
        [
            "the banking app keeps kicking me out at the login screen",
            "the security code text just never turns up",
        ],
        [
            "the new card gets declined everywhere I try it",
            "my card won't tap anymore, it has to go in the machine every time",
        ],
        [
            "I'd like to shut down my savings account",
            "I don't want the overdraft facility anymore, please take it off",
        ],
    ],
    "healthcare": [
        [
            "I can't make my Friday slot with Doctor Shah and need another day",
            "someone cancelled my appointment and nobody let me know",
        ],
        [
            "there's an invoice here for a visit that my insurer is supposed to pay",
            "you've billed me for not turning up, but I was there",
        ],
        [
            "the patient website won't let me sign in",
            "the online portal keeps telling me my details are wrong",
        ],
        [
            "the pharmacy says my repeat prescription hasn't come through",
            "my blood test results went to my old address",
        ],
    ],
    "insurance": [
        [
            "my car claim has been sitting there for six weeks with no word",
            "nobody's touched my home insurance claim in a month",
        ],
        [
            "the renewal quote came back forty percent higher than last year",
            "you're still taking money for a policy I ended",
        ],
        ["I'd like to stop the pet cover", "please end my breakdown policy"],
        ["the policy documents won't download at all", "my policy doesn't appear when I log in"],
    ],
    "retail_delivery": [
        [
            "the parcel I ordered a fortnight ago still hasn't turned up",
            "it says it's been left with me but there's nothing on the doorstep",
        ],
        [
            "the lamp came out of the box with the base snapped",
            "the zip on the new jacket came apart on day one",
        ],
        ["you've taken payment for an order I called off", "the checkout took the money out twice"],
        [
            "the website won't let me into my order history",
            "it won't let me register because it says my email's taken",
        ],
    ],
    "telecom": [
        [
            "the internet dies on me every single night around seven",
            "the wireless keeps disconnecting all day long",
        ],
        [
            "there's a roaming fee on my bill but I've been at home the whole time",
            "you've taken the monthly payment out twice",
        ],
        [
            "the app has frozen my account and won't let me in",
            "the reset link for my password never lands in my inbox",
        ],
        [
            "I'd like the sports channels taken off",
            "I'm paying for a landline I never touch and want it gone",
        ],
    ],
    "travel": [
        [
            "the airline scrapped my flight and I need another one",
            "I turned up at the hotel and they'd let my room go to someone else",
        ],
        [
            "the refund for my cancelled flight still hasn't come",
            "you charged me to change the booking when the fee was meant to be waived",
        ],
        [
            "my case didn't come out at baggage reclaim",
            "my luggage went missing when I changed planes",
        ],
        [
            "the frequent flyer login won't accept my details",
            "all my air miles have vanished from my account",
        ],
    ],
    "utilities": [
        [
            "the electric bill came to three hundred when it's normally ninety",
            "the gas bill's gone up to double what it was",
        ],
        [
            "the smart meter hasn't sent a reading in weeks",
            "the heating controller your fitter put in is flashing an error",
        ],
        [
            "I stayed in all day yesterday and your engineer never showed",
            "I can't do the date for the meter fitting and need to change it",
        ],
        [
            "I'm moving out and want my account closed",
            "please take the green tariff add-on off my account",
        ],
    ],
}

# industry -> fresh wordings of each question in devset_industries.PROBLEMS, in the same order
MORE_QUESTIONS = {
    "banking": [["what time does the branch on the high street shut on a Saturday"]],
    "healthcare": [["is it possible to get the flu vaccine booked in"]],
    "insurance": [["am I covered if a stone chips the windscreen"]],
    "retail_delivery": [["can I get something delivered on a Sunday"]],
    "telecom": [["what date does this month's payment come out"]],
    "travel": [["what's the baggage allowance on my ticket"]],
    "utilities": [["where do I put in my meter reading"]],
}
