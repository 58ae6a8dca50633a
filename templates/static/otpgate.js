// otpgate: the few conveniences a page offers beyond its form, added here
// because the Content-Security-Policy allows script-src 'self' only (no
// inline script). Every page works without this file: the buttons it
// serves are hidden until it runs.
(function () {
  'use strict';

  // A button with data-copy copies the data-copy-text of the element whose
  // id it names (or that element's text), then says so in the page's
  // status region named by data-status.
  function copy(button) {
    var source = document.getElementById(button.getAttribute('data-copy'));
    var status = document.getElementById(button.getAttribute('data-status'));
    if (!source || !navigator.clipboard) return;
    var value = source.getAttribute('data-copy-text') || source.textContent.trim();
    navigator.clipboard.writeText(value).then(function () {
      if (status) status.textContent = button.getAttribute('data-done');
    }, function () {
      if (status) status.textContent = button.getAttribute('data-failed');
    });
  }

  // The download and app-choice helpers work without script; these do not.
  function enhance() {
    // A form with data-autosubmit is a response to a relying party
    // (response_mode form_post): it is sent at once; its button is there
    // for browsers without script.
    var auto = document.querySelector('form[data-autosubmit]');
    if (auto) {
      auto.submit();
      return;
    }
    // A show-password button shows the fields it names as text while
    // pressed (aria-pressed), and hides them again.
    var toggles = document.querySelectorAll('button[data-show]');
    for (var k = 0; k < toggles.length; k++) {
      toggles[k].hidden = false;
      toggles[k].addEventListener('click', function (ev) {
        var t = ev.currentTarget;
        var show = t.getAttribute('aria-pressed') !== 'true';
        t.setAttribute('aria-pressed', show ? 'true' : 'false');
        var ids = t.getAttribute('data-show').split(' ');
        for (var m = 0; m < ids.length; m++) {
          var input = document.getElementById(ids[m]);
          if (input) input.type = show ? 'text' : 'password';
        }
      });
    }
    // A form is never sent with its passwords shown: the browser must not
    // keep them as plain text in its form history.
    var forms = document.querySelectorAll('form');
    for (var f = 0; f < forms.length; f++) {
      forms[f].addEventListener('submit', function (ev) {
        var pressed = ev.currentTarget.querySelectorAll('button[data-show][aria-pressed="true"]');
        for (var q = 0; q < pressed.length; q++) pressed[q].click();
      });
    }
    var buttons = document.querySelectorAll('button[data-copy], button[data-print]');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (b.hasAttribute('data-copy') && !navigator.clipboard) continue;
      b.hidden = false;
      b.addEventListener('click', function (ev) {
        var t = ev.currentTarget;
        if (t.hasAttribute('data-print')) window.print();
        else copy(t);
      });
    }
    // The enrolment page names the download links of the chosen app only.
    var app = document.getElementById('app');
    if (app) {
      var show = function () {
        var lists = document.querySelectorAll('[data-app-downloads]');
        for (var j = 0; j < lists.length; j++) {
          var id = lists[j].getAttribute('data-app-downloads');
          lists[j].hidden = app.value !== '' && id !== app.value;
        }
      };
      app.addEventListener('change', show);
      show();
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', enhance);
  else enhance();
})();
