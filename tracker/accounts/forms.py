"""Forms for logging in, setting or changing a password, and managing users."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from tracker.accounts.models import ROLE_LABELS, Role
from tracker.accounts.service import password_is_guessable

REQUIRED = _l("Fältet måste fyllas i.")
GUESSABLE = _l("Lösenordet är för lätt att gissa. Välj ett längre, gärna några ord som inte hör ihop.")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-post"), validators=[DataRequired(REQUIRED), Length(max=320)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(REQUIRED), Length(max=200)])


class SetPasswordForm(FlaskForm):
    """A new password: long enough and not easy to guess (zxcvbn, knowing the person's name and email)."""

    password = PasswordField(_l("Nytt lösenord"), validators=[
        DataRequired(REQUIRED), Length(min=10, max=200, message=_l("Lösenordet ska ha 10–200 tecken."))])
    confirm = PasswordField(_l("Upprepa lösenordet"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("Lösenorden är inte lika."))])

    def __init__(self, *args, user_inputs: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_inputs = user_inputs

    def validate_password(self, field):
        if not field.errors and password_is_guessable(field.data, user_inputs=self.user_inputs):
            raise ValidationError(GUESSABLE)


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[DataRequired(REQUIRED), Length(max=200)])


def _role_choices():
    # ROLE_LABELS are Swedish msgids (marked with N_); translated when the form is shown.
    return [SelectChoice(role.value, _l(ROLE_LABELS[role])) for role in Role]


class UserForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-post"), validators=[
        DataRequired(REQUIRED), Length(max=320), Email(message=_l("Ange en giltig e-postadress."))])
    role = SelectField(_l("Roll"), choices=_role_choices(), validators=[DataRequired(REQUIRED)])
    organisations = SelectMultipleField(_l("Organisationer (kontaktperson)"), coerce=int)
    active = BooleanField(_l("Aktivt konto"), default=True)

    def validate_organisations(self, field):
        if self.role.data == Role.contact and not field.data:
            raise ValidationError(_l("En kontaktperson måste kopplas till minst en organisation."))
        if self.role.data != Role.contact and field.data:
            raise ValidationError(_l("Bara kontaktpersoner kopplas till organisationer."))
