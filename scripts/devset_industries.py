"""What goes wrong in each industry, for scripts/make_dev_set.py (stdlib only, data only).

Each problem is (category, train phrasings, test phrasings, agent fix, what the customer can
now see, later action an agent can promise). The test split only ever uses the test phrasings,
so no problem sentence is shared between the splits.
"""

PROBLEMS = {
    "telecom": {
        "companies": ["Brightline Internet", "Skyway Mobile", "Parallel Fibre"],
        "problems": [
            (
                "technical",
                ["my internet keeps cutting out every evening", "the wifi drops every few minutes"],
                [
                    "the broadband has been down since yesterday",
                    "my connection is crawling, pages won't load",
                ],
                "I've reset the line from our side and pushed a new profile to your router",
                "the connection is stable now",
                "send an engineer on Thursday",
            ),
            (
                "billing",
                [
                    "my bill has a roaming charge and I never left the country",
                    "I got charged twice for my plan this month",
                ],
                [
                    "there's a forty dollar fee on my statement I don't recognise",
                    "you billed me for a phone I returned",
                ],
                "I've removed that charge and put a credit on your account",
                "the credit is showing on my account",
                "raise a billing review",
            ),
            (
                "account_access",
                [
                    "I can't log in to the app, it says my account is locked",
                    "the password reset email never arrives",
                ],
                [
                    "my online account keeps kicking me out at sign in",
                    "I'm locked out after the app update",
                ],
                "I've unlocked the account and sent a fresh reset link",
                "I'm signed in",
                "have the digital team unlock it",
            ),
            (
                "cancellation",
                [
                    "I want to cancel the sports add-on",
                    "I want the landline bundle I never use removed",
                ],
                [
                    "I'd like to drop the extra data pack",
                    "I want the TV package taken off my account",
                ],
                "I've removed it and credited this month's charge",
                "it's gone from my account",
                "process the removal at the end of the cycle",
            ),
        ],
        "questions": [
            (
                "billing",
                ["when is my bill due this month"],
                ["what date does my direct debit go out"],
                "it's due on the fourteenth",
            ),
        ],
    },
    "utilities": {
        "companies": ["Northwind Energy", "Clearwater Utilities", "Meridian Gas"],
        "problems": [
            (
                "billing",
                [
                    "my electricity bill is three hundred dollars, it's usually ninety",
                    "my gas bill doubled this month",
                ],
                [
                    "the water bill says I used four times the normal amount",
                    "you estimated my meter reading way too high",
                ],
                "I've corrected the estimated reading and reissued the bill",
                "the new bill shows the right amount",
                "send a meter reader next week",
            ),
            (
                "technical",
                [
                    "my smart meter has stopped sending readings",
                    "the boiler control you installed shows an error code",
                ],
                [
                    "the meter display is blank",
                    "the thermostat you fitted won't connect to the hub",
                ],
                "I've re-paired the meter remotely",
                "the readings are coming through",
                "book an engineer visit",
            ),
            (
                "service_appointment",
                [
                    "the engineer didn't turn up for the appointment yesterday",
                    "I need to move my meter installation appointment",
                ],
                [
                    "nobody came for the boiler service on Tuesday",
                    "I have to rebook the installation slot",
                ],
                "I've booked you Monday at ten, and the engineer has it confirmed",
                "Monday at ten works",
                "get the scheduling team to rebook it",
            ),
            (
                "cancellation",
                [
                    "I'm moving house and need to close my account",
                    "I want to end my green energy add-on",
                ],
                [
                    "I'm selling the property so the supply needs to stop",
                    "I no longer want the boiler cover add-on",
                ],
                "I've closed it from the moving date and you'll get a final bill",
                "the closure is confirmed",
                "pass it to the closures team",
            ),
        ],
        "questions": [
            (
                "billing",
                ["how do I send you a meter reading"],
                ["where do I put my meter reading online"],
                "you can enter it in the app under readings",
            ),
        ],
    },
    "banking": {
        "companies": ["Harbor Bank", "Summit Credit Union", "Oakline Savings"],
        "problems": [
            (
                "billing",
                [
                    "there's a card payment on my account I didn't make",
                    "I was charged an overdraft fee by mistake",
                ],
                [
                    "a merchant took the same payment twice",
                    "you charged me a late fee but I paid on time",
                ],
                "I've refunded the fee and flagged the payment",
                "the refund is showing",
                "open a dispute with the merchant",
            ),
            (
                "account_access",
                [
                    "I'm locked out of online banking, it says my password expired",
                    "the one-time code never comes to my phone",
                ],
                ["the banking app won't accept my PIN", "my security code texts aren't arriving"],
                "I've reset your access and updated the phone number for the codes",
                "I'm logged in",
                "have the security team reset it",
            ),
            (
                "product_quality",
                [
                    "my new debit card doesn't work at any terminal",
                    "the contactless on my card stopped working",
                ],
                [
                    "the replacement card gets declined everywhere",
                    "my card chip seems to be damaged",
                ],
                "I've activated the card properly on our side",
                "the test payment went through",
                "send a new card",
            ),
            (
                "cancellation",
                ["I want to close my savings account", "I want to cancel the overdraft protection"],
                ["I'd like to shut the joint account", "the premium account package has to go"],
                "I've closed it and moved the balance to your current account",
                "the balance has moved over",
                "send the closure form",
            ),
        ],
        "questions": [
            (
                "other",
                ["what are your branch opening hours"],
                ["is the branch open on Saturdays"],
                "we open nine to five, and Saturday mornings",
            ),
        ],
    },
    "retail_delivery": {
        "companies": ["Cobalt Home", "Trailhead Outdoors", "Parcelwise"],
        "problems": [
            (
                "delivery",
                [
                    "my order hasn't arrived and it's two weeks late",
                    "the tracking says delivered but there's no parcel",
                ],
                [
                    "the courier keeps saying out for delivery but nothing comes",
                    "my package has been stuck at the depot for ten days",
                ],
                "I've found it at the depot and it's on today's van with a two hour slot",
                "the tracking shows it on the van",
                "open a trace with the courier",
            ),
            (
                "product_quality",
                [
                    "the lamp arrived with a cracked base",
                    "the jacket's zip broke the first time I used it",
                ],
                ["the blender I bought leaks from the bottom", "the tent came with a torn seam"],
                "I've sent a replacement on next-day delivery",
                "the replacement order is in my email",
                "arrange a collection",
            ),
            (
                "billing",
                ["I was charged for an order I cancelled", "my card got charged twice at checkout"],
                [
                    "the discount code didn't come off my total",
                    "you took payment for an item that was out of stock",
                ],
                "I've refunded the extra charge to your card",
                "the refund email came through",
                "ask finance to look at it",
            ),
            (
                "account_access",
                ["I can't sign in to see my orders", "my account says the email is already in use"],
                ["the website won't let me into my account", "the login page keeps looping back"],
                "I've merged the duplicate account and reset your login",
                "I can see my orders",
                "ask the web team to fix the account",
            ),
        ],
        "questions": [
            (
                "delivery",
                ["do you deliver on Sundays"],
                ["can I pick a weekend delivery slot"],
                "yes, Sunday slots are free for members",
            ),
        ],
    },
    "healthcare": {
        "companies": ["Maple Grove Clinic", "Riverside Dental", "Lakeview Health"],
        "problems": [
            (
                "service_appointment",
                [
                    "I need to move my Friday appointment with Doctor Shah",
                    "my appointment got cancelled without anyone telling me",
                ],
                [
                    "I turned up for my appointment and it wasn't in the system",
                    "I have to rebook my check-up for another day",
                ],
                "I've booked you Monday at ten with the same doctor",
                "Monday at ten is in my calendar",
                "have the practice manager call you with a slot",
            ),
            (
                "billing",
                [
                    "I got a bill for a visit my insurance should cover",
                    "you charged me a missed appointment fee but I came",
                ],
                [
                    "there's an invoice for a check-up that was free",
                    "I was billed twice for the same consultation",
                ],
                "I've cancelled that invoice and resubmitted it to your insurer",
                "the invoice shows zero now",
                "ask billing to review it",
            ),
            (
                "account_access",
                [
                    "I can't get into the patient portal",
                    "the portal says my date of birth doesn't match",
                ],
                ["the patient app won't let me see my results", "my portal login stopped working"],
                "I've corrected your record and reset the portal login",
                "I can see my results",
                "raise it with the portal support team",
            ),
            (
                "other",
                [
                    "my prescription renewal hasn't been sent to the pharmacy",
                    "my test results were sent to the wrong address",
                ],
                [
                    "the pharmacy says they never got my repeat prescription",
                    "my referral letter never went to the hospital",
                ],
                "I've sent it again electronically just now",
                "the pharmacy has it",
                "get the doctor to sign it off",
            ),
        ],
        "questions": [
            (
                "service_appointment",
                ["can I book a flu jab"],
                ["do you have flu vaccine slots"],
                "yes, Wednesday afternoon",
            ),
        ],
    },
    "insurance": {
        "companies": ["Keystone Insurance", "Bluepeak Mutual", "Anchor Cover"],
        "problems": [
            (
                "other",
                [
                    "I filed a claim for my car six weeks ago and heard nothing",
                    "my home claim is stuck in review",
                ],
                [
                    "my travel claim was submitted a month ago with no reply",
                    "the claim for my stolen bike hasn't moved",
                ],
                "I've approved the claim and the payment goes out today",
                "the approval letter is in my inbox",
                "chase the claims handler",
            ),
            (
                "billing",
                [
                    "my premium went up forty percent at renewal",
                    "I was charged for a policy I cancelled",
                ],
                [
                    "the renewal price is way higher than the quote",
                    "you took two premiums this month",
                ],
                "I've applied the loyalty rate and refunded the difference",
                "the new premium shows on my account",
                "get underwriting to review it",
            ),
            (
                "cancellation",
                ["I want to cancel my pet insurance", "I need to cancel the breakdown cover"],
                ["I need to end my contents policy", "I want the gadget cover stopped"],
                "I've cancelled it from today with a pro-rata refund",
                "the cancellation email came",
                "pass it to the retention team",
            ),
            (
                "account_access",
                ["I can't download my policy documents", "the portal won't show my policy"],
                ["my documents page is empty", "I can't get into my policy online"],
                "I've emailed you the documents and fixed the portal link",
                "I have the documents",
                "ask IT to fix the portal",
            ),
        ],
        "questions": [
            (
                "other",
                ["does my policy cover windscreen damage"],
                ["am I covered for a cracked windscreen"],
                "yes, with no excess",
            ),
        ],
    },
    "travel": {
        "companies": ["Northstar Airways", "Harbourview Hotels", "Railink"],
        "problems": [
            (
                "service_appointment",
                [
                    "my flight was cancelled and I need a new one",
                    "the hotel gave my room away when I arrived",
                ],
                [
                    "my train was cancelled and there's no replacement",
                    "my booking disappeared from the hotel system",
                ],
                "I've rebooked you on the nine o'clock tomorrow at no cost",
                "the new booking reference came through",
                "get the bookings team to rebook you",
            ),
            (
                "billing",
                [
                    "I haven't got my refund for the cancelled flight",
                    "I was charged a change fee I was told was waived",
                ],
                [
                    "the refund for my cancelled trip never arrived",
                    "you charged the room to my card twice",
                ],
                "I've processed the refund and it's with your bank now",
                "the refund is pending on my card",
                "escalate the refund to finance",
            ),
            (
                "delivery",
                [
                    "my suitcase never came off the flight",
                    "the airline lost my bag on the connection",
                ],
                ["my luggage is still missing after three days", "my bag went to the wrong city"],
                "I've found your bag and a courier brings it this evening",
                "the courier tracking is working",
                "open a baggage trace",
            ),
            (
                "account_access",
                [
                    "I can't log in to my frequent flyer account",
                    "my loyalty points have disappeared from the app",
                ],
                ["the rewards app won't accept my password", "my member account shows zero points"],
                "I've restored your points and reset the login",
                "the points are back",
                "ask the loyalty team to check it",
            ),
        ],
        "questions": [
            (
                "other",
                ["how much luggage can I take"],
                ["what's the cabin bag allowance"],
                "one cabin bag and one checked bag",
            ),
        ],
    },
}
