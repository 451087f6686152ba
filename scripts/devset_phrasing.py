"""Phrasing families for scripts/make_dev_set.py (stdlib only, data only).

A family is one way of talking: its own openings, confirmations, complaints, threats. Each call
is written in one family, and `source` names it; the train and test splits use disjoint
families (TEST_FAMILIES), and the agent's lines come from a separate pool per split.
{problem} is the problem sentence, {check} what the customer can see once it is fixed.
"""

FAMILIES = {
    "plain": {
        "open": ["Hi, {problem}.", "Hello, {problem}."],
        "confirm": [
            "Yes, {check}. That fixed it, thank you.",
            "Okay, {check}. It works now, thanks.",
        ],
        "neg_fixed": [
            "Right, {check}, so it's not a problem anymore. Thanks.",
            "Good, that's no longer an issue. Thank you.",
        ],
        "still": ["No, it's still not working.", "I tried that, and nothing changed."],
        "frustrated": ["So nobody can help me. Great.", "That's not good enough."],
        "tentative": ["I guess I'll try that.", "Okay, I suppose I'll try that then."],
        "reopen": ["Wait, it's stopped again.", "Hang on, it's gone back to how it was."],
        "repeat": [
            "This is the third time I'm calling about this. {problem}.",
            "I've called twice already. {problem}.",
        ],
        "wait": ["Okay, I'll wait for your call.", "Fine, I'll wait to hear back."],
        "churn_if": [
            "If this isn't fixed by Friday, I'm cancelling my account.",
            "If it's not sorted this week, I'll switch to another provider.",
        ],
        "escalate": ["I want to speak to a supervisor.", "I'd like to make a formal complaint."],
        "callback": ["Forget it, I'll just call back later.", "I'll call back another time."],
        "ask": ["Hi, quick question, {question}?"],
        "thanks": ["Great, that's all I needed. Thank you.", "Perfect, thanks for your help."],
        "report": ["My neighbour said {problem}, so I wanted to check mine is okay."],
        "report_ok": ["Oh good, so mine's fine. Thanks."],
        "hyp_again": ["If it happens again I'll give you a ring."],
    },
    "chatty": {
        "open": [
            "Oh hi there, sorry, so the thing is, {problem}, and I've been meaning to call all week.",
            "Hiya, I hope you're having a good day, um, basically {problem}.",
        ],
        "confirm": [
            "Oh brilliant, yes, {check}! You've sorted it, you're a star.",
            "Ooh, hang on, yes, {check}. Wonderful, that's done the trick.",
        ],
        "neg_fixed": [
            "Oh lovely, {check}, so that's not a worry any more.",
            "Well, it isn't a problem anymore then, is it? Thank you so much.",
        ],
        "still": [
            "Hmm, no, it's still doing the same thing, I'm afraid.",
            "No, sorry love, it didn't make any difference.",
        ],
        "frustrated": [
            "Well, honestly, that's really not helpful at all.",
            "So I'm just supposed to put up with it, am I? Lovely.",
        ],
        "tentative": [
            "Right, well, I guess I'll give that a go then.",
            "Oh, I don't know, I suppose I could try it.",
        ],
        "reopen": [
            "Oh, wait a moment, no, it's doing it again now.",
            "Oh, hold on, it's gone wrong again, would you believe.",
        ],
        "repeat": [
            "I've rung you lot about three times now, honestly, and {problem}.",
            "This is my fourth call, and still {problem}.",
        ],
        "wait": [
            "Alright, well, I'll wait for someone to ring me then.",
            "Okay, I'll keep an eye on my phone.",
        ],
        "churn_if": [
            "I'll be honest, if this carries on I'll be moving to someone else.",
            "If it's not fixed soon I'm going to cancel, I really am.",
        ],
        "escalate": [
            "I think I'd better talk to your manager, if that's alright.",
            "I'd like to put in a complaint, a proper one.",
        ],
        "callback": [
            "Oh, I'll ring back another day then, when someone knows.",
            "Never mind, I'll just phone again later.",
        ],
        "ask": ["Hiya, sorry to bother you, I was just wondering, {question}?"],
        "thanks": [
            "Oh lovely, that's all I wanted to know, thank you ever so much.",
            "Smashing, that's everything, thanks a lot.",
        ],
        "report": ["My sister was telling me {problem}, so I thought I'd better check mine."],
        "report_ok": ["Oh phew, that's a relief then, mine's alright. Thanks love."],
        "hyp_again": ["And if it does it again I'll just ring you back, okay?"],
    },
    "terse": {
        "open": ["{problem}.", "Calling because {problem}."],
        "confirm": ["{check}. Works. Thanks.", "Yep, {check}. Fixed."],
        "neg_fixed": ["{check}. Not an issue anymore.", "Fine now. No problem anymore."],
        "still": ["Still broken.", "Didn't help."],
        "frustrated": ["Useless answer.", "That doesn't help me."],
        "tentative": ["I'll try it, I guess.", "Guess I'll try."],
        "reopen": ["No. Broken again.", "Gone again."],
        "repeat": ["Third call. {problem}.", "Called before. {problem}, again."],
        "wait": ["Fine. I'll wait.", "Okay. Waiting then."],
        "churn_if": [
            "Not fixed by Friday, I cancel.",
            "If it's not fixed, I'm switching providers.",
        ],
        "escalate": ["Supervisor. Now.", "I want to file a complaint."],
        "callback": ["I'll call back.", "Forget it, calling back later."],
        "ask": ["Question. {question}?"],
        "thanks": ["Okay. That's all. Thanks.", "Got it, thanks."],
        "report": ["A friend said {problem}. Checking mine."],
        "report_ok": ["Mine's fine then. Thanks."],
        "hyp_again": ["If it happens again I'll call."],
    },
    "angry": {
        "open": ["Listen, {problem}, and I am sick of it.", "I'm furious, {problem}!"],
        "confirm": ["Fine, {check}. At last it works.", "Okay, {check}. Finally, that solved it."],
        "neg_fixed": [
            "Right, {check}. So it's not a problem anymore, but it shouldn't have happened.",
            "Well, that isn't an issue anymore, thank you.",
        ],
        "still": [
            "It's STILL not working, what did you even do?",
            "Nothing has changed, absolutely nothing.",
        ],
        "frustrated": [
            "This is ridiculous. You people are hopeless.",
            "Unbelievable. I'm done with this.",
        ],
        "tentative": [
            "I guess I'll try that, not that it will work.",
            "Whatever, I suppose I'll try it.",
        ],
        "reopen": [
            "No, no, it's broken again already!",
            "Oh for heaven's sake, it's gone off again.",
        ],
        "repeat": [
            "This is the third time I have called about this! {problem}.",
            "I have called you five times. {problem}.",
        ],
        "wait": ["Fine. I'll wait. Again.", "Okay, I'll wait, but I've heard that before."],
        "churn_if": [
            "If this isn't fixed by Friday I'm cancelling, I mean it.",
            "If you can't fix it I'm taking my business elsewhere.",
        ],
        "escalate": [
            "Get me your supervisor.",
            "I'm filing a formal complaint, and I'll go to the ombudsman.",
        ],
        "callback": [
            "Forget it. I'll call back and get someone competent.",
            "I'll call back when you lot have a clue.",
        ],
        "ask": ["Just tell me, {question}?"],
        "thanks": ["Fine. That's all I wanted. Thanks.", "Right. Good. Thanks."],
        "report": ["My colleague told me {problem}, so I want to know if mine is wrong too."],
        "report_ok": ["Okay, mine is fine. Good. Thanks."],
        "hyp_again": ["If it happens again, I'll be calling you back."],
    },
    "asr_a": {
        "open": ["yeah hi um {problem}", "hi yes so um {problem}"],
        "confirm": [
            "oh yeah {check} yeah that fixed it thanks",
            "okay yeah {check} it's working now",
        ],
        "neg_fixed": [
            "okay yeah {check} so that's not a problem anymore",
            "yeah it's not an issue anymore thanks",
        ],
        "still": ["no it's still not working", "um no that didn't help"],
        "frustrated": ["yeah that's not good enough", "so you can't help me great"],
        "tentative": ["i guess i'll try that", "okay i'll try that i suppose"],
        "reopen": ["oh wait no it's stopped again", "hang on it's doing it again"],
        "repeat": [
            "yeah this is the third time i'm calling um {problem}",
            "i called last week already and {problem}",
        ],
        "wait": ["okay i'll wait for the call", "alright i'll wait then"],
        "churn_if": [
            "if this isn't fixed by friday i'm cancelling",
            "if it's not sorted i'll switch provider",
        ],
        "escalate": ["can i speak to a supervisor please", "i want to make a complaint"],
        "callback": ["i'll just call back later", "forget it i'll call back"],
        "ask": ["hi yeah um {question}"],
        "thanks": ["okay great that's all i needed thanks", "perfect thanks for the help"],
        "report": ["um my neighbour said {problem} so i'm just checking mine"],
        "report_ok": ["oh okay good mine's fine then thanks"],
        "hyp_again": ["if it happens again i'll call you"],
    },
    "elderly": {
        "open": [
            "Hello dear, I'm not very good with these things, but {problem}.",
            "Good afternoon. I'm ringing because {problem}, I think.",
        ],
        "confirm": [
            "Oh yes, I can see {check} now. You've fixed it, thank you dear.",
            "Yes, {check}. That seems to have worked, thank you.",
        ],
        "neg_fixed": [
            "Oh yes, {check}. So there's no problem anymore then.",
            "Oh good, it isn't a problem any longer.",
        ],
        "still": ["Oh dear, no, it's still the same.", "I did what you said, but it didn't work."],
        "frustrated": [
            "Oh, I don't know what I'm supposed to do now then.",
            "Well, that's not much help to me, I'm afraid.",
        ],
        "tentative": [
            "Well, I suppose I'll try that, if you think so.",
            "Alright, I guess I'll try, but I'm not sure.",
        ],
        "reopen": ["Oh no, wait, it's gone funny again.", "Oh dear, it's doing it again now."],
        "repeat": [
            "I've phoned three times about this now. {problem}.",
            "I rang last week as well, dear. {problem}.",
        ],
        "wait": ["Alright, I'll wait by the phone then.", "Very well, I'll wait for your call."],
        "churn_if": [
            "If it isn't put right, my son says I should change company.",
            "If this isn't fixed I shall have to cancel.",
        ],
        "escalate": [
            "Could I speak to someone more senior, please?",
            "I would like to make a complaint about this.",
        ],
        "callback": ["I'll ring back when my son is here.", "I'll call back another day, dear."],
        "ask": ["Hello dear, could you tell me, {question}?"],
        "thanks": [
            "Oh lovely, that's all I needed, thank you.",
            "Thank you dear, that's very helpful.",
        ],
        "report": ["My friend at church said {problem}, so I wanted to make sure mine is alright."],
        "report_ok": ["Oh good, mine is alright then. Thank you dear."],
        "hyp_again": ["If it happens again, I'll ring you straight away."],
    },
    "nonnative": {
        "open": ["Hello, I call because {problem}.", "Good day, please, {problem}."],
        "confirm": [
            "Yes, now {check}. Is working. Thank you very much.",
            "Okay, {check}. Problem is solved, thank you.",
        ],
        "neg_fixed": [
            "Yes, {check}. Is not problem anymore.",
            "Okay, now there is no more problem. Thank you.",
        ],
        "still": ["No, is still not working.", "I try, but nothing change."],
        "frustrated": ["This is not help for me.", "Why nobody can help? Is not good."],
        "tentative": ["Okay, I will try this, I think.", "Maybe I try this, I guess."],
        "reopen": ["Wait, again is not working.", "Oh, now is again the same problem."],
        "repeat": [
            "This is third time I call for this. {problem}.",
            "I call already two times. {problem}.",
        ],
        "wait": ["Okay, I wait for your call.", "Okay, I will wait."],
        "churn_if": [
            "If is not fixed this week, I cancel the contract.",
            "If you don't fix, I go to other company.",
        ],
        "escalate": ["Please, I want to speak with your manager.", "I want to make complaint."],
        "callback": ["Okay, I call again later.", "I will call back other time."],
        "ask": ["Hello, please, {question}?"],
        "thanks": ["Okay, this is all. Thank you.", "Perfect, thank you for help."],
        "report": ["My cousin say {problem}, so I check for me."],
        "report_ok": ["Okay, for me is fine. Thank you."],
        "hyp_again": ["If again happens, I call you."],
    },
    "business": {
        "open": [
            "Good morning, I'm calling on behalf of my company. {problem}.",
            "Hi, this is the office manager. {problem}, and it's affecting our staff.",
        ],
        "confirm": [
            "Excellent, I can confirm {check}. That resolves it, thank you.",
            "Great, {check}. That's fixed the issue, thanks.",
        ],
        "neg_fixed": [
            "Good, {check}, so it's no longer an issue for us.",
            "Understood, it's not a problem anymore. Thank you.",
        ],
        "still": [
            "Unfortunately it's still not working on our side.",
            "We tried that this morning and it didn't help.",
        ],
        "frustrated": [
            "That's not acceptable for a business account.",
            "I'm afraid that answer doesn't work for us.",
        ],
        "tentative": ["I guess we'll try that and see.", "We'll try that, I suppose."],
        "reopen": [
            "Sorry, it's just failed again.",
            "Actually, it's dropped again while we were talking.",
        ],
        "repeat": [
            "This is the third time we've raised this. {problem}.",
            "We reported this last week already. {problem}.",
        ],
        "wait": ["Okay, we'll wait for your call back.", "Fine, we'll wait to hear from you."],
        "churn_if": [
            "If this isn't fixed by Friday, we'll be moving our account.",
            "If it's not resolved, we'll switch suppliers.",
        ],
        "escalate": [
            "I need this escalated to your manager.",
            "I'd like to lodge a formal complaint.",
        ],
        "callback": ["I'll call back when you have an answer.", "We'll call back later then."],
        "ask": ["Hello, a quick query on our account: {question}?"],
        "thanks": ["Great, that covers it. Thanks.", "Perfect, that's all we needed."],
        "report": ["Another business on our street said {problem}, so we're checking ours."],
        "report_ok": ["Good, ours is fine then. Thanks."],
        "hyp_again": ["If it recurs we'll get back in touch."],
    },
    # ------------------------------------------------------------------ test families
    "formal": {
        "open": [
            "Good morning. I am writing, well, calling, to report that {problem}.",
            "Good afternoon. I must inform you that {problem}.",
        ],
        "confirm": [
            "I can confirm that {check}. The matter is resolved, thank you.",
            "Indeed, {check}. That has solved the problem, much obliged.",
        ],
        "neg_fixed": [
            "Very good, {check}. It is not a problem any longer.",
            "Then the matter is no longer an issue. Thank you.",
        ],
        "still": [
            "I regret to say the fault persists.",
            "I followed your instructions, and nothing has changed.",
        ],
        "frustrated": ["I find that wholly unsatisfactory.", "That is simply not acceptable."],
        "tentative": [
            "Very well, I suppose I shall try that.",
            "I shall try it, I suppose, though I have my doubts.",
        ],
        "reopen": [
            "I beg your pardon, it has failed once more.",
            "I am afraid it has stopped working again.",
        ],
        "repeat": [
            "This is the third occasion on which I have called. {problem}.",
            "I have already reported this twice. {problem}.",
        ],
        "wait": ["Very well, I shall await your call.", "I shall wait to hear from you, then."],
        "churn_if": [
            "Should this not be fixed by Friday, I shall close my account.",
            "If it is not resolved, I will take my custom elsewhere.",
        ],
        "escalate": [
            "I wish to speak with your supervisor.",
            "I intend to make a formal complaint, and to write to the regulator.",
        ],
        "callback": [
            "I shall call back at a more convenient time.",
            "I will telephone again later.",
        ],
        "ask": ["Good morning. Might you tell me {question}?"],
        "thanks": ["Thank you, that is all I required.", "Most helpful, thank you."],
        "report": ["A colleague informed me that {problem}, so I wished to verify my own."],
        "report_ok": ["I see, then mine is in order. Thank you."],
        "hyp_again": ["Should it recur, I shall contact you again."],
    },
    "casual": {
        "open": ["Hey, so, {problem}, lol.", "Yo, {problem}, what's up with that?"],
        "confirm": [
            "Oh sweet, {check}. Sorted, cheers!",
            "Nice, {check}. All good now, cheers mate.",
        ],
        "neg_fixed": [
            "Sweet, {check}, so no problem anymore.",
            "Cool, that's not an issue anymore, cheers.",
        ],
        "still": ["Nah, it's still busted.", "Tried that, didn't do anything."],
        "frustrated": ["Man, that's rubbish.", "Seriously? That's no help at all."],
        "tentative": ["Eh, I guess I'll try that.", "I'll give it a go I guess."],
        "reopen": ["Oh wait, nah, it's busted again.", "Aaand it's gone again."],
        "repeat": [
            "Dude, this is like my third time calling. {problem}.",
            "I rang yesterday too. {problem}.",
        ],
        "wait": ["Alright, I'll wait for the call then.", "Cool, I'll wait I guess."],
        "churn_if": [
            "If it's not fixed by Friday I'm cancelling, no joke.",
            "If this keeps up I'm switching to another network.",
        ],
        "escalate": ["Can I get your manager?", "I wanna make a complaint."],
        "callback": ["Whatever, I'll call back later.", "Nah forget it, I'll ring back."],
        "ask": ["Hey, quick one, {question}?"],
        "thanks": ["Cool, that's all I needed, cheers.", "Sweet, thanks."],
        "report": ["My mate reckons {problem}, so I'm checking mine."],
        "report_ok": ["Sweet, mine's fine then, cheers."],
        "hyp_again": ["If it does it again I'll call you back."],
    },
    "asr_b": {
        "open": ["hello yes i'm calling because {problem}", "uh hi {problem}"],
        "confirm": [
            "yes {check} that's solved it thank you",
            "uh yeah {check} it works now thank you",
        ],
        "neg_fixed": [
            "right {check} so it's not a problem anymore",
            "okay that's no longer an issue thank you",
        ],
        "still": ["no it's still doing it", "i did that and nothing changed"],
        "frustrated": ["that's not really helpful", "so there's nothing you can do great"],
        "tentative": ["i guess i'll try that then", "i suppose i'll try it"],
        "reopen": ["wait it's gone off again", "oh no it stopped working again"],
        "repeat": [
            "this is the third time i've called {problem}",
            "i've already called twice about this {problem}",
        ],
        "wait": ["okay i'll wait for your call then", "fine i'll wait"],
        "churn_if": [
            "if this isn't sorted by friday i'm cancelling",
            "if you can't fix it i'm switching",
        ],
        "escalate": ["i'd like to talk to a manager", "i want to file a formal complaint"],
        "callback": ["i'll call back later then", "i'll just ring back"],
        "ask": ["uh hi yeah {question}"],
        "thanks": ["okay that's all i needed thank you", "great thanks a lot"],
        "report": ["my friend said {problem} so i'm checking mine"],
        "report_ok": ["okay so mine's fine thanks"],
        "hyp_again": ["if it does it again i'll call back"],
    },
    "rushed": {
        "open": ["Hi, I've only got a minute, {problem}.", "Quickly, {problem}, can you sort it?"],
        "confirm": [
            "Yes, {check}, that's done it, thanks, gotta go.",
            "Great, {check}, fixed, thanks.",
        ],
        "neg_fixed": [
            "Okay, {check}, not a problem anymore, thanks.",
            "Right, no issue anymore, bye.",
        ],
        "still": ["No, still the same, and I'm in a hurry.", "That didn't fix it."],
        "frustrated": ["I don't have time for this.", "That's no use to me."],
        "tentative": ["Fine, I guess I'll try that later.", "I'll try it I suppose."],
        "reopen": ["Hold on, no, it's broken again.", "It's just gone again."],
        "repeat": ["Third time calling, {problem}.", "I called this morning already, {problem}."],
        "wait": ["Okay, I'll wait, call me.", "Fine, I'll wait for the call."],
        "churn_if": [
            "If it's not fixed by Friday I'm cancelling.",
            "If this isn't sorted I'm leaving.",
        ],
        "escalate": ["Put me through to a supervisor.", "I'm making a complaint."],
        "callback": ["I'll call back later.", "No time, I'll call back."],
        "ask": ["Hi, quickly, {question}?"],
        "thanks": ["Great, that's all, thanks.", "Okay, thanks, bye."],
        "report": ["My partner said {problem}, just checking mine."],
        "report_ok": ["Okay, mine's fine, thanks."],
        "hyp_again": ["If it comes back, I'll phone you."],
    },
}
TEST_FAMILIES = ("formal", "casual", "asr_b", "rushed")
LOWERCASE_FAMILIES = ("asr_a", "asr_b")  # ASR-style: no capitals, no punctuation

# The agent's lines: one pool per split, so no agent sentence crosses it either.
AGENT = {
    "train": {
        "greet": [
            "Thank you for calling {company}, this is {name}, how can I help?",
            "{company}, {name} speaking, how can I help you today?",
        ],
        "sorry": [
            "I'm sorry about that. Let me have a look.",
            "I'm sorry to hear that, let me check your account.",
        ],
        "fix": ["Okay, {fix}. Can you check now?", "Right, {fix}. Could you have a look?"],
        "retry": ["Let me try something else. {fix}. How about now?"],
        "deflect": [
            "That's not our department, you'll have to contact them directly.",
            "There's nothing I can do about that from here.",
        ],
        "suggest": [
            "You could try restarting it and waiting a day.",
            "Maybe try again tomorrow and see.",
        ],
        "promise": [
            "I'll {later} and call you back tomorrow.",
            "We'll {later}, and you'll hear from us within 5 to 7 business days.",
        ],
        "noted": [
            "I understand. I've noted that on the account.",
            "I understand your frustration.",
        ],
        "answer": ["Sure, {answer}.", "Yes, {answer}."],
        "bye": ["You're welcome, have a good day.", "Glad I could help. Bye now."],
        "report": ["Let me check yours. No, yours is correct and nothing is wrong."],
        "ask_id": [
            "Can I have your account number, please?",
            "Could you confirm your postcode for me?",
        ],
        "give_id": ["Sure, it's {digits}.", "Yes, {digits}."],
        "pending": [
            "I've sent a reset to your account; it may take a while to go through.",
            "I've raised a ticket with the team that handles this.",
        ],
        "hold": ["One moment, I'll put you on hold.", "Let me transfer you to the right team."],
        "polite_bye": ["Okay, thanks, bye.", "Alright, thank you. Bye.", "Okay, thanks for that."],
        "extra_promise": [
            "I'll also email you a confirmation by tomorrow.",
            "You'll get a text with the details later today.",
        ],
    },
    "test": {
        "greet": [
            "Good morning, you're through to {company}, my name is {name}.",
            "Hello, {company} customer care, {name} here.",
        ],
        "sorry": [
            "Apologies for the trouble. One moment please.",
            "We apologise for the inconvenience. Let me pull up the details.",
        ],
        "fix": [
            "All done: {fix}. Would you mind checking?",
            "So, {fix}. Is that better on your end?",
        ],
        "retry": ["One more thing to try. {fix}. Any change?"],
        "deflect": [
            "I'm afraid that's handled by another team, I can't access it.",
            "Unfortunately that isn't something we can change, you'd need to call your bank.",
        ],
        "suggest": [
            "Perhaps give it twenty-four hours and it may settle.",
            "You might try switching it off and on overnight.",
        ],
        "promise": [
            "I will {later}, and someone will be in touch by Thursday.",
            "I'm going to {later} and email you by Monday.",
        ],
        "noted": ["I appreciate that, I've made a note.", "I hear you, and I've logged it."],
        "answer": ["Of course, {answer}.", "Certainly, {answer}."],
        "bye": ["Thanks for calling, take care.", "My pleasure, goodbye."],
        "report": ["I've checked your account and everything on it is as it should be."],
        "ask_id": ["May I take your reference number?", "First, your date of birth, please."],
        "give_id": ["It's {digits}.", "Okay, {digits}."],
        "pending": [
            "A request has gone in for that; it can take a day or two to show.",
            "I've passed this to the specialist team now.",
        ],
        "hold": ["Please hold while I find someone.", "Bear with me, I'm putting you through."],
        "polite_bye": [
            "Right, thank you, goodbye.",
            "Okay then, thank you.",
            "Fine, thanks, bye now.",
        ],
        "extra_promise": [
            "A written confirmation will reach you within two working days.",
            "I'm going to send you a summary by email this afternoon.",
        ],
    },
}
AGENT_NAMES = ["Mark", "Priya", "David", "Aisha", "Tom", "Lena", "Carlos", "Grace"]
