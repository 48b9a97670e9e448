"""Ruby: ruby-jwt; Sinatra and Rails."""

import re

from migrate.lang import Framework, Language

LANGUAGE = Language(
    name="ruby",
    extensions={".rb": "ruby"},
    needles=(b"wt", b"WT"),
    gate=(),
    libraries=("ruby-jwt",),
    frameworks=(
        # Sinatra first: a Sinatra app file says so (require 'sinatra', < Sinatra::Base) and names no Rails class.
        Framework("sinatra", re.compile(r"""\brequire\s*\(?\s*['"]sinatra(/base)?['"]|<\s*Sinatra::(Base|Application)\b""")),
        Framework("rails", re.compile(r"<\s*(ApplicationController|ActionController::(Base|API))|Rails\.")),
    ),
    now="Time.now.to_i",
    now_plus_5_min="Time.now.to_i + 300",
    to_string="{}.to_s",
)
