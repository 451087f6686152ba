"""Generic call material (greetings, identity checks, holds, small talk, closings, side questions).
All written by hand for this data set; the assembler samples from these with usage caps."""

COMPANIES = {
    "telecom": ["Northwind Mobile", "ClearLine Telecom", "Bluejay Wireless", "Summit Fiber"],
    "banking": ["Harborview Bank", "First Cedar Credit Union", "Meridian Trust", "Oakridge Savings"],
    "insurance": ["Keystone Mutual", "Brightpath Insurance", "Alder and Pike Insurance", "Safeharbor Auto and Home"],
    "utilities": ["Tri-County Power", "Riverbend Water", "Citygas Energy", "Greenfield Electric"],
    "retail": ["ShopHaven", "Larkspur Home", "Parcelbox", "Tidewater Outfitters"],
    "airline": ["Skylark Airways", "Pacific Crest Air", "Northstar Travel", "Bluewing Airlines"],
    "healthcare": ["Lakeside Family Clinic", "Maple Grove Medical Group", "Westbrook Dental", "Riverside Health Pharmacy"],
    "software": ["Cloudnest", "Ledgerly", "PixelForge", "Taskwise"],
    "car_rental": ["Roadway Rentals", "Zipline Car Rental", "Highgate Motors service", "Ace Auto Care"],
    "government": ["the State Motor Vehicle Services line", "the City Permits Office", "the County Assessor's office", "the Department of Revenue help line"],
    "hotel": ["Harbor Light Inn", "Grandview Suites", "Pinecrest Lodge", "Marlowe Hotels reservations"],
    "food_delivery": ["Dashbite", "Forkfly", "Munchr", "HotPlate"],
    "streaming": ["Streamly", "Vistaplay", "Encore Plus", "Tunebox"],
}

AGENTS = ["Priya", "Marcus", "Jen", "Dev", "Alicia", "Tom", "Keisha", "Raj", "Carmen", "Luis", "Hannah", "Omar",
          "Beth", "Tyler", "Nadia", "Grace", "Malik", "Sofia", "Derek", "Ana", "Kevin", "Farah", "Joel", "Wendy",
          "Sam", "Yusuf", "Brianna", "Colin", "Mei", "Andre", "Rosa", "Ethan"]
FIRST = ["Linda", "Gary", "Monique", "Steve", "Aisha", "Brandon", "Rachel", "Hector", "Donna", "Ian", "Tanya",
         "Wei", "Patrick", "Olga", "Jamal", "Megan", "Frank", "Lucia", "Dale", "Nisha", "Carl", "Erin", "Victor",
         "Paula", "Reggie", "Sandra", "Kyle", "Imani", "Bill", "Teresa", "Arjun", "Heather", "Ramon", "Jody",
         "Martin", "Chloe", "Walter", "Fatima", "Doug", "Kendra"]
LAST = ["Alvarez", "Brennan", "Chowdhury", "Dawson", "Ellison", "Fischer", "Gupta", "Hollis", "Ibarra", "Jensen",
        "Kowalski", "Lindqvist", "Mbeki", "Novak", "Okafor", "Pruitt", "Quintero", "Ramsey", "Sato", "Tolliver",
        "Underwood", "Vasquez", "Whitaker", "Yilmaz", "Zeller", "McAllister", "Obi", "Harlan", "Nguyen", "Castellano"]
STREETS = ["412 Birchwood Lane", "88 Harmon Street", "1930 West Alder Avenue", "7 Quarry Road", "2261 Lakeshore Drive",
           "55 Pemberton Court", "903 Sycamore Street", "14 Old Mill Road", "670 Grant Boulevard", "31 Juniper Way"]

GREETINGS = [
    "Thank you for calling {company}, this is {aname}, how can I help you today?",
    "{company}, {aname} speaking.",
    "Hi, thanks for calling {company}. My name is {aname}. What can I do for you?",
    "Good morning, {company}, you're speaking with {aname}.",
    "Thanks for holding, this is {aname} with {company}. Who do I have the pleasure of speaking with?",
    "Hello, you've reached {company}. This call may be recorded for quality purposes. My name's {aname}, how can I help?",
    "Hi there, {aname} at {company}, what can I help you with?",
    "Good afternoon and thank you for calling {company}. This is {aname}.",
    "{company} customer care, {aname} here. How's it going?",
    "Hi, you're through to {aname} at {company}. Sorry about the wait today. What's going on?",
    "Thank you for your patience. This is {aname}. How may I assist you?",
    "Hey there, thanks for calling {company}, my name is {aname}, who am I speaking with today?",
    "Hello, {company}. I'm {aname}. Can I start with your name?",
    "Hi, thank you for calling {company} support. I'm {aname}, and I'll be helping you today.",
    "{aname} with {company}, how can I help?",
    "Good evening, this is {aname} at {company}. What brings you in tonight?",
    "Thanks for calling. You've got {aname}.",
    "Hi! {company}, this is {aname}. What can I do for you this morning?",
]

HOLDS = {
    "calm": [
        [("A", "Okay, let me pull that up. Just one moment."), ("C", "Sure.")],
        [("A", "Would you mind holding for a minute or two while I look into this?"), ("C", "Yeah, no problem."), ("A", "Thank you for holding.")],
        [("A", "Bear with me, my system's being slow this morning."), ("C", "Mhm."), ("A", "Okay. Here we go.")],
        [("A", "I'm going to place you on a brief hold, okay?"), ("C", "Okay."), ("A", "Hi, thanks so much for waiting.")],
        [("A", "Give me a sec, I'm reading through the notes on the account."), ("C", "Take your time."), ("A", "Alright.")],
        [("A", "One moment, it's still loading."), ("C", "No rush."), ("A", "...okay, there we go, sorry about that.")],
        [("A", "Let me just check something, I'll be right back."), ("C", "Okay."), ("A", "Are you still there?"), ("C", "Yep, still here."), ("A", "Great, thanks for hanging on.")],
        [("A", "Can you hold one second? I want to double check this with my lead."), ("C", "Sure, go ahead."), ("A", "Thanks for your patience.")],
        [("A", "Mm, hang on, the screen just froze on me. One sec."), ("C", "Ha, that happens."), ("A", "Okay, it's back.")],
    ],
    "angry": [
        [("A", "Can I place you on a short hold while I look at this?"), ("C", "Do I have a choice?"), ("A", "It'll just be a couple of minutes."), ("C", "Fine."), ("A", "Thanks for holding.")],
        [("A", "Let me take a look, one moment."), ("C", "I already waited forty minutes to get you, so."), ("A", "I'm sorry about the wait. I'll be as quick as I can."), ("C", "Mm.")],
        [("A", "I'm going to check something with my supervisor, bear with me."), ("C", "Yeah, okay. Whatever."), ("A", "Alright, I'm back, thanks for waiting.")],
        [("A", "Please hold."), ("C", "Seriously? Again?"), ("A", "Just a moment, I promise. ... Thank you for holding.")],
        [("A", "Give me one moment to pull up the history."), ("C", "It's all in there. I've called three times."), ("A", "I see the previous calls, yes. Bear with me.")],
    ],
}

SMALLTALK = [
    [("C", "Sorry, that's my dog, he thinks everyone on the phone is the mailman."), ("A", "Ha, no worries, mine does the exact same thing.")],
    [("A", "How's your day going so far?"), ("C", "Oh, you know. It's Monday. Could be worse."), ("A", "That's the spirit.")],
    [("C", "Is it busy there today?"), ("A", "Oh, it's been nonstop since we opened, honestly."), ("C", "I bet. Well, I appreciate you.")],
    [("A", "Is that rain I hear?"), ("C", "Yeah, it's coming down pretty hard here."), ("A", "Stay dry out there.")],
    [("C", "Sorry, my kid's yelling in the background."), ("A", "Oh, don't worry about it at all. Sounds like a happy kid."), ("C", "Ha. Loud, anyway.")],
    [("C", "Where are you located, if you don't mind me asking?"), ("A", "I'm out of our Tucson office."), ("C", "Oh nice, warm there I bet."), ("A", "Very. Too warm some days.")],
    [("A", "Oh, I see you've been with us since 2009, that's a long time."), ("C", "Has it been that long? Wow."), ("A", "Thank you for sticking with us.")],
    [("C", "Sorry, I'm driving, you're on speaker."), ("A", "That's totally fine, take your time."), ("C", "Okay, I'm at a light now.")],
    [("A", "Sorry, bit of a cold today, excuse my voice."), ("C", "Oh no, feel better."), ("A", "Thank you, I'll survive.")],
    [("C", "Oh, hang on, someone's at the door... sorry, just a package."), ("A", "No problem at all.")],
    [("A", "Are you having a good week?"), ("C", "Eh, long week. Glad it's almost Friday."), ("A", "Me too, honestly.")],
    [("C", "You sound like you've had a long day."), ("A", "Ha, is it that obvious? It's been a full one."), ("C", "Well, you're doing great.")],
    [("C", "Hold on, let me turn the TV down. ... Okay, sorry."), ("A", "No worries.")],
    [("A", "Oh, same birthday month as me, by the way."), ("C", "Oh, fun! Happy early birthday."), ("A", "Ha, you too.")],
]

CLOSINGS = {
    "accepted": {
        "warm": [
            [("A", "Is there anything else I can help you with today?"), ("C", "No, that's everything. You've been so helpful, thank you."), ("A", "Oh, my pleasure. Have a lovely day."), ("C", "You too, bye-bye.")],
            [("A", "Anything else on your mind?"), ("C", "Nope, I think we're good. Thanks so much, {aname}."), ("A", "You're very welcome, {cname}. Take care.")],
            [("A", "Alright, you're all set."), ("C", "Wonderful. Thank you, really."), ("A", "Of course. Have a good one.")],
            [("A", "Can I help with anything else?"), ("C", "No, no, that was it. I appreciate you."), ("A", "Happy to help. You might get a short survey after the call if you have a minute."), ("C", "Sure, I'll do it. Bye now.")],
            [("C", "Okay, that's great. Thank you so much."), ("A", "You're welcome! Enjoy the rest of your day."), ("C", "You too.")],
        ],
        "neutral": [
            [("A", "Anything else I can do for you?"), ("C", "No, that's it."), ("A", "Okay. Thanks for calling, have a good day.")],
            [("A", "Is there anything else?"), ("C", "Nope."), ("A", "Alright, take care.")],
            [("C", "Okay, thanks."), ("A", "You're welcome. Bye now.")],
            [("A", "Did I answer everything for you today?"), ("C", "Yeah, I think so."), ("A", "Great. Thanks for calling {company}.")],
            [("A", "That's all done for you. Anything else?"), ("C", "No, that covers it. Thanks."), ("A", "Sure thing. Have a good afternoon.")],
        ],
        "angry": [
            [("A", "Is there anything else I can help with?"), ("C", "No. Just... make sure it actually stays fixed."), ("A", "Understood. Thanks for your patience today.")],
            [("C", "Fine. Thanks, I guess."), ("A", "I'm sorry again for the trouble. Take care.")],
            [("A", "Anything else today?"), ("C", "No, that's it. Took long enough."), ("A", "I know. I appreciate you bearing with me.")],
            [("A", "Is there anything else?"), ("C", "No. Thanks."), ("A", "Alright, have a good day.")],
        ],
    },
    "no_stance": {
        "neutral": [
            [("A", "Anything else?"), ("C", "No."), ("A", "Okay, bye.")],
            [("A", "Alright, thanks for calling."), ("C", "Yep. Bye.")],
        ],
    },
    "dissatisfied": {
        "neutral": [
            [("A", "Is there anything else I can help with?"), ("C", "No. Clearly not."), ("A", "I'm sorry. Have a good day.")],
            [("A", "I'm sorry I couldn't do more."), ("C", "Yeah. Me too."), ("A", "Take care.")],
            [("C", "Okay. Well, this was a waste of time."), ("A", "I'm sorry you feel that way.")],
        ],
        "angry": [
            [("C", "Unbelievable. Okay. Bye."), ("A", "I'm sorry, sir, I—")],
            [("A", "Is there anything else I can do for you?"), ("C", "You haven't done anything, so no."), ("A", "I understand. I'm sorry.")],
            [("C", "I'm done. Goodbye."), ("A", "I apologize for the frustration. Goodbye.")],
        ],
        "warm": [
            [("C", "Okay. Well, it's not your fault. Thanks anyway."), ("A", "I'm sorry I couldn't do more. Take care.")],
            [("A", "I'm really sorry about this."), ("C", "I know, I know. It's okay. Bye."), ("A", "Bye now.")],
        ],
    },
    "gave_up": {
        "neutral": [
            [("C", "Okay. Forget it. I'll figure something out."), ("A", "Alright. Sorry about that.")],
            [("C", "You know what, never mind. Thanks."), ("A", "Okay. Take care.")],
        ],
        "warm": [
            [("C", "Oh well. Thank you for trying, honestly."), ("A", "Of course, I'm sorry it wasn't better news."), ("C", "That's alright. Bye now.")],
            [("C", "Okay, I'll just live with it I suppose. Thanks for being so nice about it."), ("A", "I'm sorry I couldn't fix it. Take care of yourself.")],
        ],
        "angry": [
            [("C", "Forget it. Just forget it."), ("A", "I'm sorry, I—"), ("C", "Bye.")],
            [("C", "I'm not doing this anymore. Goodbye."), ("A", "Okay. Sorry.")],
        ],
    },
}

# Side questions: a customer question answered on the spot ("C*" marks the need line).
SIDE_QUESTIONS = {
    "telecom": [
        [("C*", "Oh, while I have you, is my autopay still on? I got a weird email about it."), ("A", "Let me see... yes, autopay's active, it runs on the 14th."), ("C", "Okay good.")],
        [("C*", "Actually, one more thing. Does my plan include calling to Mexico? My sister moved there."), ("A", "It does, your plan has unlimited calling to Mexico and Canada."), ("C", "Oh perfect.")],
        [("C*", "Quick question, when does my contract actually end?"), ("A", "Your agreement runs through next March."), ("C", "Okay, good to know.")],
        [("C*", "Um, also, how much data did I use this month? Roughly?"), ("A", "You're at about 11 gigs out of 20."), ("C", "Oh, not bad.")],
    ],
    "banking": [
        [("C*", "Oh, and what time does the branch on Fifth close on Saturdays?"), ("A", "That branch is open nine to one on Saturdays."), ("C", "Okay, thanks.")],
        [("C*", "Can you tell me if my direct deposit came in yet?"), ("A", "I see a deposit posted this morning, yes."), ("C", "Oh good. Okay.")],
        [("C*", "While I've got you, what's the daily ATM limit on my card?"), ("A", "It's five hundred a day on that card."), ("C", "Got it.")],
    ],
    "insurance": [
        [("C*", "Oh, and when's my renewal? Is that coming up?"), ("A", "Your policy renews on the first of next month."), ("C", "Okay, thanks.")],
        [("C*", "Also, um, do I have roadside assistance on this policy?"), ("A", "You do, it's included on both vehicles."), ("C", "Oh great, I didn't know that.")],
        [("C*", "Can you tell me what my deductible is right now?"), ("A", "Your collision deductible is five hundred, comprehensive is two-fifty."), ("C", "Okay.")],
    ],
    "utilities": [
        [("C*", "Oh, and is there a budget billing thing? My neighbor said you have one."), ("A", "Yes, we have level pay, it averages your bill over twelve months. I can send you the info."), ("C", "Yeah, send me that.")],
        [("C*", "While I have you, when's my next meter reading?"), ("A", "Next read's scheduled for the 22nd."), ("C", "Okay.")],
        [("C*", "Quick question, do you guys do paperless billing?"), ("A", "We do, you can switch on in your online account under settings."), ("C", "Cool.")],
    ],
    "retail": [
        [("C*", "Oh, and is the store on Route 9 still open till nine?"), ("A", "It closes at eight now on weekdays, nine on weekends."), ("C", "Oh, okay. Good to know.")],
        [("C*", "Also, do my rewards points expire?"), ("A", "They expire after twelve months without a purchase, you're fine though."), ("C", "Okay good.")],
        [("C*", "Um, is there a way to get the emails to stop? I get like three a day."), ("A", "I can unsubscribe you from promos right now. ... Done."), ("C", "Thank you.")],
    ],
    "airline": [
        [("C*", "Oh, and how many bags can I check on this ticket?"), ("A", "Your fare includes one checked bag up to fifty pounds."), ("C", "Okay.")],
        [("C*", "Also, is my frequent flyer number on there?"), ("A", "Yes, it's attached to the reservation."), ("C", "Perfect.")],
        [("C*", "Can I bring my guitar on as a carry-on, do you know?"), ("A", "You can, as long as it fits in the overhead bin or you buy a seat for it."), ("C", "Ha, okay. Overhead bin it is.")],
    ],
    "healthcare": [
        [("C*", "Oh, and do you guys take walk-ins on Saturdays?"), ("A", "Saturday mornings, eight to noon, yes."), ("C", "Okay, good.")],
        [("C*", "Also, is parking still free at the new building?"), ("A", "It is, first two hours are free with validation."), ("C", "Okay.")],
        [("C*", "Can I ask, do I need to bring my insurance card again?"), ("A", "Just bring it, they scan it every visit."), ("C", "Okay, will do.")],
    ],
    "software": [
        [("C*", "Oh, and is there a mobile app for this, or just desktop?"), ("A", "There's an app for iOS and Android, same login."), ("C", "Nice.")],
        [("C*", "Also, when does my subscription renew? I forget."), ("A", "Your annual plan renews on September 3rd."), ("C", "Okay, thanks.")],
        [("C*", "Can I add another user to my plan, how does that work?"), ("A", "Yep, under Team settings, it's eight dollars a month per extra seat."), ("C", "Okay, I'll look at that.")],
    ],
    "car_rental": [
        [("C*", "Oh, and is there a fee if I bring it back to a different location?"), ("A", "There is a one-way fee, usually around seventy-five dollars, depending on the location."), ("C", "Okay, I'll just bring it back here then.")],
        [("C*", "Also, um, can my husband drive it too?"), ("A", "Spouses are added free, he just needs to show his license at pickup."), ("C", "Oh good.")],
    ],
    "government": [
        [("C*", "Oh, and what are your hours on Fridays?"), ("A", "We're open eight to four-thirty Monday through Friday."), ("C", "Okay.")],
        [("C*", "Also, can I pay that online or does it have to be in person?"), ("A", "You can pay online with a card, there's a small convenience fee."), ("C", "That's fine.")],
    ],
    "hotel": [
        [("C*", "Oh, and what time is check-in?"), ("A", "Check-in is at three, but you can drop bags earlier."), ("C", "Okay, great.")],
        [("C*", "Also, is breakfast included with that rate?"), ("A", "Yes, breakfast is included, six-thirty to ten."), ("C", "Oh nice.")],
        [("C*", "Is there parking on site? And what does it cost?"), ("A", "There's a garage, it's twenty-two dollars a night."), ("C", "Ugh. Okay.")],
    ],
    "food_delivery": [
        [("C*", "Oh, and how do I use the promo code? Is that at checkout?"), ("A", "Yep, right on the checkout screen, under the total."), ("C", "Got it.")],
        [("C*", "Also, can I change the default tip? It keeps putting twenty percent."), ("A", "You can, in settings under payments there's a default tip option."), ("C", "Okay, thanks.")],
    ],
    "streaming": [
        [("C*", "Oh, and how many screens can we watch at once on this plan?"), ("A", "Your plan allows two at the same time."), ("C", "Okay, that explains some things.")],
        [("C*", "Also, when do I get billed? Is it the first?"), ("A", "You're billed on the 19th each month."), ("C", "Ah, okay.")],
        [("C*", "Can I download stuff for a flight on this plan?"), ("A", "Yes, downloads are included on your tier, up to twenty-five titles."), ("C", "Great.")],
    ],
}

# ----------------------------------------------------------------- identity checks
_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_PHON = {"A": "A as in apple", "B": "B as in boy", "D": "D as in dog", "F": "F as in Frank", "K": "K as in kilo",
         "M": "M as in Mary", "N": "N as in Nancy", "P": "P as in Paul", "R": "R", "S": "S as in Sam", "T": "T as in Tom",
         "X": "X", "Q": "Q", "H": "H", "J": "J", "L": "L", "W": "W"}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]

ID_THING = {
    "telecom": ["last four of the account number", "phone number on the account"],
    "banking": ["last four of your card", "last four of the account number"],
    "insurance": ["policy number"],
    "utilities": ["last four of the account number", "service address"],
    "retail": ["order number"],
    "airline": ["confirmation code"],
    "healthcare": ["date of birth"],
    "software": ["email on the account"],
    "car_rental": ["reservation number"],
    "government": ["case reference number"],
    "hotel": ["confirmation number"],
    "food_delivery": ["email or phone on the account"],
    "streaming": ["email on the account"],
}
DOB_OK = {"telecom", "banking", "insurance", "utilities", "healthcare", "government", "car_rental"}


def _digits_spoken(r, n):
    ds = [r.randrange(10) for _ in range(n)]
    words = [_DIGITS[d] if d else r.choice(["zero", "oh"]) for d in ds]
    # group in threes/fours like people do
    groups, i = [], 0
    while i < len(words):
        k = r.choice([2, 3, 4])
        groups.append(" ".join(words[i:i + k]))
        i += k
    return ", ".join(groups), ds


def _code(r):
    letters = list(_PHON)
    parts, raw = [], ""
    for _ in range(6):
        if r.random() < 0.55:
            L = r.choice(letters)
            parts.append(_PHON[L] if r.random() < 0.5 else L)
            raw += L
        else:
            d = r.randrange(10)
            parts.append(_DIGITS[d])
            raw += str(d)
    return ", ".join(parts), raw


def _dob(r):
    y = r.randrange(1948, 2003)
    m = r.randrange(12)
    d = r.randrange(1, 28)
    return r.choice([
        f"{_MONTHS[m]} {d}, {y}",
        f"{m + 1}/{d}/{y}",
        f"the {d}th of {_MONTHS[m]}, {y}" if d not in (1, 2, 3, 21, 22, 23) else f"{_MONTHS[m]} {d}, {y}",
        f"{_MONTHS[m]} {d}... {y}",
    ])


def id_snippet(ind, ctx, r, long=False):
    """Return a list of (spk, text) pairs for an identity check."""
    out = []
    thing = r.choice(ID_THING[ind])
    intro = r.choice(["Sure, I can look into that.", "Okay, I can help with that.", "Absolutely.", "Alright.",
                      "Let's get you pulled up.", "Okay, no problem.", "Sure thing."])
    frames = []
    if ind in DOB_OK:
        frames.append("name_dob")
    if thing == "date of birth":
        frames.append("name_dob")
    elif thing.startswith("email"):
        frames.append("email")
    elif thing in ("confirmation code", "confirmation number", "reservation number", "order number", "case reference number", "policy number"):
        frames.append("code")
    elif thing == "service address":
        frames.append("address")
    else:
        frames.append("number")
    r.shuffle(frames)
    if long:
        extra = ["otp", "address", "secq"]
        r.shuffle(extra)
        frames += [f for f in extra if f not in frames][:r.choice([1, 2, 2])]
    else:
        frames = frames[:1]
    first = True
    for fr in frames:
        lead = intro + " " if first else ""
        first = False
        if fr == "name_dob":
            out += [("A", lead + r.choice(["Can I get the full name on the account?", "Could I have your first and last name, please?", "Who am I speaking with?"])),
                    ("C", r.choice(["Yeah, it's {cname} {clast}.", "{cname} {clast}.", "Um, {cname}. {clast}, that's the last name.", "It's {cname} {clast}. Same as it's always been."])),
                    ("A", r.choice(["And your date of birth?", "Thank you. And can you verify your date of birth for me?", "Thanks, {cname}. Date of birth?", "And the date of birth on the account?", "Okay, and your birthday, month, day and year?", "Perfect. Can you confirm your DOB for me?", "Thanks. And what's your date of birth, please?", "Got it. And date of birth?"])),
                    ("C", _dob(r)),
                    ("A", r.choice(["Thank you.", "Perfect, thanks.", "Great, that matches.", "Okay, got you."]))]
        elif fr == "email":
            host = r.choice(["gmail dot com", "yahoo dot com", "outlook dot com", "hotmail dot com"])
            num = r.choice(["", "", str(r.randrange(10, 99))])
            out += [("A", lead + f"Can I get the {thing}?"),
                    ("C", r.choice([f"It's {{cname}} dot {{clast}}{num} at {host}.", f"Um, {{cname}}{num}, all one word, at {host}.",
                                    f"It should be {{cname}} underscore {{clast}} at {host}. Or maybe the work one. Try that first."])),
                    ("A", r.choice(["Got it, I see the account.", "Okay, I've found you.", "Yep, that pulls it right up."]))]
        elif fr == "code":
            spoken, raw = _code(r)
            out += [("A", lead + f"Do you have the {thing} handy?"),
                    ("C", r.choice(["Yeah, hang on, it's in my email. Okay. ", "Um, one sec. ", "Yes. ", "Let me find it... okay. "]) + spoken + "."),
                    ("A", r.choice([f"Thank you, I've got it.", f"Let me read that back, {raw}?", "Okay, one moment while it loads."]))]
            if out[-1][1].endswith("?"):
                if r.random() < 0.3:
                    out += [("C", "No, sorry, the last one's a " + r.choice(["seven", "B", "four", "M"]) + "."), ("A", "Ah, okay. Yep, there it is.")]
                else:
                    out += [("C", r.choice(["Yep.", "That's it.", "Mhm."])), ("A", "Great.")]
        elif fr == "number":
            spoken, _ = _digits_spoken(r, 4 if "last four" in thing else r.choice([8, 10]))
            out += [("A", lead + f"Can you give me the {thing}?"),
                    ("C", r.choice(["Sure, it's ", "Yeah, uh, ", "Okay, hold on. It's "]) + spoken + "."),
                    ("A", r.choice(["Thank you.", "Okay, I've got the account up.", "And I'm speaking with the account holder?"]))]
            if out[-1][1].endswith("?"):
                out += [("C", "Yes, that's me."), ("A", "Thanks.")]
        elif fr == "address":
            out += [("A", lead + r.choice(["Can you confirm the address on the account?", "What's the service address, please?"])),
                    ("C", r.choice(["{street}.", "It's {street}. Apartment 2B.", "{street}, same as always."])),
                    ("A", r.choice(["Thank you.", "Great, that matches what I have.", "Got it."]))]
        elif fr == "otp":
            spoken, _ = _digits_spoken(r, 6)
            out += [("A", r.choice(["For security I'm going to text a six-digit code to the number on file. Can you read it back to me when you get it?", "I'm also going to send you a verification code by text, just read it to me when it comes in.", "One more step, there's a code coming to your phone right now. What does it say?", "Our system needs a one-time passcode too, I just sent it to your cell.", "Bear with me, I have to do a text verification. You should get a code in a second."])),
                    ("C", r.choice(["Okay... okay, it came through. ", "Um, hold on, I have to take the phone away from my ear. ... Okay. ", "Yep, got it. "]) + spoken + "."),
                    ("A", r.choice(["That's verified, thank you.", "Perfect, you're verified.", "Great, that went through.", "That matches, thanks.", "Okay, I'm in."]))]
        elif fr == "secq":
            pet = r.choice(["Biscuit", "Pepper", "Rocky", "Mr. Whiskers", "Lulu"])
            out += [("A", "And the answer to your security question, please? It's asking for the name of your first pet."),
                    ("C", r.choice([f"Oh gosh. Um. {pet}?", f"{pet}. Wait, no. Yeah, {pet}.", f"That'd be {pet}."])),
                    ("A", "That's it, thank you.")]
    return out

# Contact-detail confirmation and reference-number read-backs (long routine middles).
CONTACT = [
    [("A", "Before I forget, is the number ending in {last4} still the best one to reach you?"), ("C", "Yep, that's my cell."), ("A", "And email's still the same?"), ("C", "Should be, yeah.")],
    [("A", "Can I confirm a good callback number in case we get disconnected?"), ("C", "Sure, it's the one I'm calling from."), ("A", "I'm seeing a number ending in {last4}?"), ("C", "That's it.")],
    [("A", "Let me just double check your contact info while I'm in here. I have {street} for mailing?"), ("C", "Mhm, that's right."), ("A", "Great, and a cell ending in {last4}."), ("C", "Yep.")],
    [("A", "Would you like me to update your email on file while we're at it? I'm seeing an old-looking one."), ("C", "Oh, yeah, actually. It's {cname}.{clast} at gmail dot com now."), ("A", "Updated."), ("C", "Thanks, I keep forgetting to change that.")],
    [("A", "Quick thing, do you want text alerts on the account? It's free."), ("C", "Um... sure, why not."), ("A", "Done, same number.")],
]
REFNUM = [
    [("A", "Let me give you a reference number for today's call, do you have a pen?"), ("C", "Hang on... okay, go."), ("A", "It's C as in cat, 4, 4, 9, 1, 7, 0."), ("C", "C 4 4 9... sorry, 9 1 7 0?"), ("A", "That's it.")],
    [("A", "I'm going to give you a ticket number."), ("C", "Okay, one sec, let me grab something to write with. ... Okay."), ("A", "It's 2 0 8 8 1 3 5."), ("C", "2 0 8 8 1 3 5. Got it.")],
    [("A", "Your interaction number is 7 7 3 0 4, in case you need to reference this call."), ("C", "7 7 3 0 4. Okay.")],
    [("A", "I've added notes to the account, and there's a case number if you ever need it, it's 5 5 1 2, 0 9 8."), ("C", "Sorry, 5 5 1 2...?"), ("A", "0 9 8."), ("C", "Okay, got it.")],
]

# ---- slot-based variants so that generic lines are rarely repeated verbatim
import random as _random

_ASK = ["Is there anything else I can help you with today?", "Anything else I can do for you?", "Was there anything else?",
        "Anything else going on with the account?", "Can I help with anything else while I have you?",
        "Is that everything for today?", "Did you have any other questions?", "Anything else on your list?",
        "What else can I do for you today?", "Is there something else I can look at for you?",
        "Did I cover everything you called about?", "Anything more I can help with?"]
_NO = {
    "warm": ["No, that's everything. You've been so helpful.", "Nope, that was it! Thank you so much.",
             "No, I think you got it all. Thanks a million.", "That's all, honestly you made that so easy.",
             "No, no, I'm all set. Thank you, {aname}.", "That's it for me. Really appreciate it.",
             "Nothing else. You were great, thanks.", "Oh, no, that's plenty. Thank you, dear."],
    "neutral": ["No, that's it.", "Nope, that's all.", "No, I'm good.", "That covers it, thanks.", "No. Thanks.",
                "I think that's everything.", "Nah, that's it.", "Nope. Appreciate it.", "No, that's all I needed.",
                "Um, no, I think that's it."],
    "angry": ["No. Just make sure it actually stays fixed.", "No. That's it. Took long enough.", "No. Thanks, I guess.",
              "No. I just hope I don't have to call again.", "Nope. Finally.", "No, that's it. Next time, get it right the first time.",
              "No. Thanks for actually fixing it.", "That's all. Long day."],
}
_BYE = {
    "warm": ["My pleasure. Have a lovely day!", "You're so welcome. Take care, {cname}.", "Happy to help. Enjoy the rest of your day.",
             "Anytime. Have a wonderful evening.", "Of course! Bye now.", "Glad I could help. Take good care.",
             "You're welcome. You may get a short survey after the call, if you have a minute.", "Thanks for calling, {cname}. Bye-bye."],
    "neutral": ["Alright, thanks for calling {company}.", "Okay. Have a good one.", "Sure thing. Take care.", "Thanks, bye now.",
                "Great. Have a good afternoon.", "You're welcome. Bye.", "Okay, thanks for calling.", "Alright, have a good day.",
                "Perfect. Take care now."],
    "angry": ["I understand. I'm sorry again for the trouble.", "Understood. Thanks for your patience today.",
              "I appreciate you bearing with me. Take care.", "Again, I apologize. Have a good day.",
              "I'll make sure the notes are clear. Take care.", "Alright. Sorry again about all this."],
}
_LAST = {"warm": ["You too, bye!", "Bye now.", "Thanks, you too.", ""], "neutral": ["Bye.", "Yep, you too.", "", ""],
         "angry": ["Yeah. Bye.", "", "", "Mm. Bye."]}


def closing_accepted(tone, r):
    tone = tone if tone in _NO else "neutral"
    out = []
    if r.random() < 0.8:
        out.append(("A", r.choice(_ASK)))
        out.append(("C", r.choice(_NO[tone])))
    else:
        out.append(("C", r.choice(["Okay, great. Thanks.", "Alright, thank you.", "Okay. Thanks.", "Perfect, thanks so much.", "Good. Thanks."])))
    out.append(("A", r.choice(_BYE[tone])))
    last = r.choice(_LAST[tone])
    if last:
        out.append(("C", last))
    return out


_CONTACT_Q = ["Before I let you go, is the number ending in {last4} still the best one to reach you?",
              "Can I confirm a good callback number in case we get cut off? I have one ending in {last4}.",
              "While I'm in here, I have a cell ending in {last4}, is that still current?",
              "Just to confirm, we'd reach you at the number ending in {last4}?",
              "Quick housekeeping thing, is {street} still your mailing address?",
              "Let me make sure we have the right contact info. Mailing address is {street}?"]
_CONTACT_A = ["Yep, that's my cell.", "Yes, that's right.", "Mhm, still the same.", "That's it.", "Yeah, that's correct.",
              "Yep.", "Uh, yes. Yes, that's right."]
_CONTACT_FOLLOW = [("A", "And is email still okay for notifications?"), ("A", "Would you like text alerts on that number? They're free."),
                   ("A", "Great, and I see paperless is on, so everything goes to your email."), None, None, None]
_CONTACT_FOLLOW_A = ["Sure.", "Email's fine.", "Okay.", "Yeah, fine.", "That's fine.", "Yeah, that works.", "Sure, go ahead."]


def contact_snippet(r):
    out = [("A", r.choice(_CONTACT_Q)), ("C", r.choice(_CONTACT_A))]
    f = r.choice(_CONTACT_FOLLOW)
    if f:
        out += [f, ("C", r.choice(_CONTACT_FOLLOW_A))]
    return out
