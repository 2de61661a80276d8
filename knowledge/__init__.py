"""The domain: the program's facts as data, and the LINE-free assistant. Imports nothing of ours.

* Data: ``faq/*.yaml`` (entries, in Chinese and English), ``forms/*.yaml``, ``calendar.yaml``,
  ``townships.csv`` (附件三), and the vocabularies and messages (see ``README.md``).
* ``loader.py`` — loading and validation; ``assistant.py`` — a message in, answers out;
  ``retrieval.py`` — ranking entries; ``chinese.py`` / ``english.py`` / ``language.py`` /
  ``phonetic.py`` / ``normalize.py`` — reading text; ``social.py``, ``splitting.py``,
  ``scope.py`` (near misses), ``townships.py`` — the steps of answering; ``calendar.py`` —
  dates; ``coverage.py`` — which entry carries each rule of the documents.
* Forms: ``forms.py``, ``answers.py`` (one typed answer), ``scoring.py`` (附件二), ``standing.py``.
* Shared: ``labels.py`` (names, the Taipei zone, the text fold), ``clock.py`` (the one clock),
  ``errors.py`` (the one error root), ``notices.py`` (what a notice may say and to whom).
"""
